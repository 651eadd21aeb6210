"""What people ask of an app through the HTTP API and the web UI: a sync (of some
resources, to a revision), a refresh, suspending automated sync, a termination, a
rollback, a Rollout promotion or abort, and what the app renders to and how it differs.

Each request is checked where it arrives (`actions` has the rules), then left in
`requests` for the app's next reconcile and the app is queued first. With ``--shards``,
a request for an app another replica owns is forwarded to that replica once checked
(`gitsync.controller.sharding`), and answered at once as a request queued here is.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from gitsync import rollouts
from gitsync.controller.actions import (
    check_rollout,
    check_sync_revision,
    rollback_revision,
    selected_resources,
)
from gitsync.controller.clusters import ClusterRegistry
from gitsync.controller.compare import Comparer
from gitsync.controller.driver import Driver, is_running
from gitsync.controller.requests import SyncRequests
from gitsync.controller.revisions import Revisions
from gitsync.controller.root import Root
from gitsync.controller.sharding import Sharding, forwarded_resources
from gitsync.controller.sourcestack import SourceStack
from gitsync.controller.status import AppStatus
from gitsync.controller.workqueue import WorkQueue
from gitsync.errors import ActionRefused, GitsyncError
from gitsync.sync.selection import ResourceSelector

log = structlog.get_logger("gitsync.controller")


class ApiActions:
    """The API's actions on apps, a part of `gitsync.controller.Controller`, which sets
    the pipeline parts below."""

    root: Root
    revisions: Revisions
    requests: SyncRequests
    compare: Comparer
    driver: Driver
    queue: WorkQueue
    source_stack: SourceStack
    sharding: Sharding | None
    _registry: ClusterRegistry
    _lock: threading.Lock  # guards _statuses
    _statuses: dict[str, AppStatus]  # what the API shows, per app

    def _forwarded(self, name: str, kind: str, args: Mapping[str, Any] | None = None) -> bool:
        """With shards: `name` is an app another replica owns, and its owner was asked."""
        return self.sharding is not None and self.sharding.forward_elsewhere(name, kind, args)

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool:
        app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        with self._lock:
            selected = selected_resources(self._statuses.get(name), resources)
        if revision:
            check_sync_revision(app, revision, dry_run)
        args: dict[str, Any] = {"prune": prune, "dry_run": dry_run, "revision": revision}
        if selected:  # checked here against the app's last compared resources
            args["resources"] = forwarded_resources(selected)
        if self._forwarded(name, "sync", args):
            return True
        # a revision is resolved to a SHA by the reconcile
        self.requests.ask(name, prune=prune, dry_run=dry_run, pin=revision, resources=selected)
        self.queue.add(name)
        return True

    def refresh(self, name: str, *, hard: bool = False) -> bool:
        if self._forwarded(name, "refresh", {"hard": hard}):
            return True
        app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        self.revisions.mark_stale(app.source_keys)
        if hard:
            self.source_stack.renderer.cache.clear()  # render again, whatever the cache holds
        self.queue.add_first(name)
        return True

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        if self._forwarded(name, "suspend", {"suspended": suspended}):
            return True
        known = name in self.root.inventory.apps
        with self._lock:
            status = self._statuses.get(name)
            if not known or status is None:
                return False
            status.auto_sync_suspended = suspended
        self.queue.add_first(name)  # the reconcile saves it
        return True

    def manifests(self, name: str) -> list[dict[str, Any]] | None:
        if name not in self.root.inventory.apps:
            return None
        if self.sharding is not None:
            self.sharding.refuse_elsewhere(name, "manifests")
        return self.compare.desired(name) or []

    def terminate(self, name: str) -> bool:
        """Ended by the next visit: the runner fails the operation through its persisted
        state, deleting running hooks (driver.py)."""
        with self._lock:
            status = self._statuses.get(name)
        if status is not None and is_running(status) and self._forwarded(name, "terminate"):
            return True
        if not self.driver.has_operation(name):
            return False
        self.requests.terminate(name)
        self.queue.add_first(name)
        return True

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        app = self.root.inventory.apps.get(name)
        with self._lock:
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        check_rollout(status, namespace, rollout)
        dest = self._registry.find(app.destination.server, app.destination.name)
        if dest is None:
            raise ActionRefused(409, f"the destination cluster of {name} is not connected")
        act = rollouts.promote if action == "promote" else rollouts.abort
        try:
            act(dest.cluster, rollout, namespace)
        except GitsyncError as err:
            raise ActionRefused(502, str(err)) from None
        log.info("rollout action", app=name, action=action, rollout=f"{namespace}/{rollout}")
        self.queue.add_first(name)

    def diff(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        if self.sharding is not None:
            self.sharding.refuse_elsewhere(name, "diff")
        return self.compare.diff(name)

    def rollback(self, name: str, history_id: int) -> None:
        """Sync `name` to the revision of its history entry `history_id` (0: oldest kept),
        once; refused while automated sync would undo it at once (as Argo CD refuses)."""
        app = self.root.inventory.apps.get(name)
        with self._lock:
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        revision = rollback_revision(app, status, history_id)
        if self._forwarded(name, "rollback", {"history_id": history_id}):
            return
        self.requests.ask_rollback(name, revision)
        log.info("rollback requested", app=name, revision=revision[:12])
        self.queue.add_first(name)
