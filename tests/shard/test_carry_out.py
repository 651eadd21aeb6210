"""Requests forwarded between replicas, as the owner reads them back: a selective sync
keeps its resources, and what another process wrote into the annotation is not trusted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from gitsync.controller.requests import SyncRequests
from gitsync.controller.sharding import ControllerHost, forwarded_resources
from gitsync.controller.status import AppStatus
from gitsync.controller.workqueue import WorkQueue
from gitsync.model.keys import ResourceKey
from gitsync.sync.selection import ResourceSelector, SelectionError


class _Driver:
    def adopt(self, name: str, stored: AppStatus | None) -> None: ...
    def release(self, name: str) -> None: ...
    def seen(self, status: AppStatus) -> None: ...
    def has_operation(self, name: str) -> bool:
        return False


class _Recorded:
    """The owner's actions, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def refresh(self, name: str, *, hard: bool = False) -> bool:
        self.calls.append(("refresh", name, {"hard": hard}))
        return True

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        self.calls.append(("suspend", name, {"suspended": suspended}))
        return True

    def terminate(self, name: str) -> bool:
        self.calls.append(("terminate", name, {}))
        return True

    def rollback(self, name: str, history_id: int) -> None:
        self.calls.append(("rollback", name, {"history_id": history_id}))

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool:
        args = {"prune": prune, "dry_run": dry_run, "revision": revision}
        self.calls.append(("sync", name, args | {"resources": list(resources)}))
        return True


def _host(actions: _Recorded) -> ControllerHost:
    return ControllerHost(
        queue=WorkQueue(),
        driver=_Driver(),
        requests=SyncRequests(),
        stores=(),
        show=lambda status: None,
        actions=actions,
        refresh_root=lambda: None,
    )


def test_a_forwarded_selective_sync_names_the_same_resources() -> None:
    keys = (ResourceKey("", "ConfigMap", "web", "a"), ResourceKey("apps", "Deployment", "web", "b"))
    actions = _Recorded()
    args = {"prune": True, "dry_run": False, "revision": "", "resources": forwarded_resources(keys)}
    _host(actions).carry_out("web-c1", "sync", args)
    [(kind, app, got)] = actions.calls
    assert (kind, app, got["prune"]) == ("sync", "web-c1", True)
    assert got["resources"] == [ResourceSelector.exact(key) for key in keys]
    # the core group stays the core group: it does not widen to any group
    assert got["resources"][0].group == ""


def test_forwarded_arguments_of_the_wrong_shape_are_refused_not_widened() -> None:
    actions = _Recorded()
    host = _host(actions)
    with pytest.raises(ValueError):  # not a list: refused, not a sync of everything
        host.carry_out("web-c1", "sync", {"resources": "ConfigMap/web/a"})
    with pytest.raises(SelectionError):
        host.carry_out("web-c1", "sync", {"resources": [{"kind": "ConfigMap", "name": "../x"}]})
    with pytest.raises(ValueError):
        host.carry_out("web-c1", "rollback", {"history_id": "latest"})
    host.carry_out("web-c1", "unknown-kind", {})
    assert actions.calls == []
