"""What the HTTP layer needs from the controller: the `ControllerView` protocol.

The controller implements it; `InMemoryController` is a small thread-safe implementation
for tests and demos. Every method is called from HTTP worker threads, concurrently, and
must return quickly: `on_push` and `request_sync` only enqueue work.

Application status is exchanged as JSON-able mappings, the shape of
``gitsync.controller.status.AppStatus.to_dict()``: at least ``name``, ``sync_status`` and
``health``; the status page also shows ``revision``, ``target_revision``, ``repo``,
``path``, ``message`` and ``health_message`` when present.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from gitsync.errors import ActionRefused
from gitsync.push.payloads import PushEvent
from gitsync.sync.selection import ResourceSelector

__all__ = ["ActionRefused", "AppInfo", "ControllerView", "InMemoryController"]

AppInfo = Mapping[str, Any]


@runtime_checkable
class ControllerView(Protocol):
    """What the HTTP layer needs from the controller; every method returns quickly."""

    def ready(self) -> bool:
        """True once the controller has done its first full reconcile and can serve."""
        ...

    def ready_reason(self) -> str:
        """Why the controller is not ready yet (asked only while `ready()` is False)."""
        ...

    def on_push(self, event: PushEvent) -> int:
        """Queue a refresh of every app `event` concerns; return how many were queued.

        Must not block on Git or the cluster: the webhook answers as soon as this returns.
        """
        ...

    def applications(self) -> Sequence[AppInfo]:
        """Status of every app, sorted as it should be shown."""
        ...

    def application(self, name: str) -> AppInfo | None:
        """Status of one app, or None when no app has that name."""
        ...

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool:
        """Queue a sync of `name` now (to `revision`, once, when given; of the named
        `resources` only, when given); False when no app has that name. Raises
        ActionRefused when the sync cannot be done (400: a resource not of the app)."""
        ...

    def refresh(self, name: str, *, hard: bool = False) -> bool:
        """Re-read `name`'s sources from Git and compare again now (`hard`: render again,
        bypassing the render cache); False when unknown."""
        ...

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        """Pause or resume `name`'s automated sync (kept across restarts); False when
        unknown. Manual syncs run either way."""
        ...

    def manifests(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        """The objects `name` renders to, as last compared; None when unknown."""
        ...

    def terminate(self, name: str) -> bool:
        """End `name`'s running operation (Failed, "terminated"); False when none runs."""
        ...

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        """Promote or abort (`action`) a Rollout of app `name`. Raises `ActionRefused`."""
        ...

    def rollback(self, name: str, history_id: int) -> None:
        """Sync `name` once to the revision of history entry `history_id` (0: the oldest
        kept). Raises `ActionRefused` (unknown app or entry, automated sync enabled)."""
        ...

    def diff(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        """Per resource of `name` at its last comparison: kind, namespace, name, diff_text
        (unified, Secret values masked; empty when in sync). None when not known."""
        ...


class InMemoryController:
    """A `ControllerView` over a dict of app statuses that records what it was asked."""

    def __init__(self, apps: Sequence[AppInfo] = (), *, ready: bool = True) -> None:
        self._lock = threading.Lock()
        self._apps: dict[str, AppInfo] = {str(a["name"]): dict(a) for a in apps}
        self._ready = ready
        self.reason = "initial reconcile not finished"
        self.pushes: list[PushEvent] = []
        self.sync_requests: list[str] = []
        self.actions: list[tuple[str, str, str]] = []
        self.diffs: dict[str, list[dict[str, Any]]] = {}
        self.rendered: dict[str, list[dict[str, Any]]] = {}
        self.apps_per_push = 1

    def set_ready(self, ready: bool = True) -> None:
        with self._lock:
            self._ready = ready

    def put(self, app: AppInfo) -> None:
        with self._lock:
            self._apps[str(app["name"])] = dict(app)

    def ready(self) -> bool:
        with self._lock:
            return self._ready

    def ready_reason(self) -> str:
        return self.reason

    def on_push(self, event: PushEvent) -> int:
        with self._lock:
            self.pushes.append(event)
            return self.apps_per_push

    def applications(self) -> list[AppInfo]:
        with self._lock:
            return [self._apps[name] for name in sorted(self._apps)]

    def application(self, name: str) -> AppInfo | None:
        with self._lock:
            return self._apps.get(name)

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool:
        with self._lock:
            if name not in self._apps:
                return False
            self.sync_requests.append(name)
            detail = f"prune={prune} dry_run={dry_run}" + (
                f" revision={revision}" if revision else ""
            )
            if resources:
                detail += " resources=" + ",".join(str(r) for r in resources)
            self.actions.append(("sync", name, detail))
            return True

    def refresh(self, name: str, *, hard: bool = False) -> bool:
        with self._lock:
            self.actions.append(("refresh", name, "hard" if hard else ""))
            return name in self._apps

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        with self._lock:
            self.actions.append(("suspend" if suspended else "resume", name, ""))
            return name in self._apps

    def manifests(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        with self._lock:
            return self.rendered.get(name) if name in self._apps else None

    def terminate(self, name: str) -> bool:
        with self._lock:
            app = self._apps.get(name)
            running = bool(app and (app.get("operation") or {}).get("phase") == "Running")
            if running:
                self.actions.append(("terminate", name, ""))
            return running

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        with self._lock:
            if name not in self._apps:
                raise ActionRefused(404, f"application {name!r} not found")
            self.actions.append((action, name, f"{namespace}/{rollout}"))

    def rollback(self, name: str, history_id: int) -> None:
        with self._lock:
            app = self._apps.get(name)
            if app is None:
                raise ActionRefused(404, f"application {name!r} not found")
            if not 0 <= history_id < len(app.get("history") or []):
                raise ActionRefused(404, f"{name} has no history entry {history_id}")
            self.actions.append(("rollback", name, str(history_id)))

    def diff(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        with self._lock:
            return self.diffs.get(name)
