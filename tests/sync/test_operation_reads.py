"""How the operation reads live state through the port (unit level): several objects of a
kind in a namespace in one `list_live` call, and a failed read lands on its own task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gitsync.errors import ForbiddenError, UnavailableError
from gitsync.model.manifest import Manifest
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore
from tests.sync.fakeport import FakePort


class UnlistablePort(FakePort):
    """May get but not list (RBAC without the list verb)."""

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        raise ForbiddenError("list is forbidden", f"{kind} list", 403)


class BrokenGetPort(FakePort):
    """Reads of one object fail however often they are tried."""

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        return {}  # undecided: the operation falls back to get

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        if name == "cm-2":
            raise UnavailableError("the server is unavailable", f"{kind}/{namespace}/{name}")
        return super().get(api_version, kind, namespace, name)


def configmaps(count: int) -> SyncRequest:
    docs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}, "data": {}}
        for i in range(count)
    ]
    manifests = [Manifest.from_object(d) for d in docs]
    return SyncRequest(app="shop", manifests=manifests, settings=SyncSettings(wave_delay=0))


def run(port: FakePort, request: SyncRequest) -> OperationState:
    runner = SyncRunner(port, OperationStore(port), poll_interval=0, sleep=lambda _: None)
    return runner.run(request, timeout=30)


def test_several_objects_of_a_kind_are_read_together() -> None:
    port = FakePort()
    state = run(port, configmaps(5))
    assert state.phase == "Succeeded", state.message
    assert port.lists == 2  # before the dry run and before the writes


def test_one_or_two_objects_are_read_one_by_one() -> None:
    port = FakePort()
    state = run(port, configmaps(2))
    assert state.phase == "Succeeded", state.message
    assert port.lists == 0


def test_a_port_that_may_not_list_falls_back_to_get() -> None:
    port = UnlistablePort()
    state = run(port, configmaps(5))
    assert state.phase == "Succeeded", state.message
    assert len(port.resource_writes()) == 5


def test_a_failed_read_fails_its_own_task() -> None:
    port = BrokenGetPort()
    state = run(port, configmaps(4))
    assert state.phase == "Failed"
    failed = [r.resource for r in state.ordered_results() if r.status == "Failed"]
    assert failed == ["ConfigMap/default/cm-2"], state.message
    assert "unavailable" in state.message
