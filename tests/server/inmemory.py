"""`InMemoryController`: a `ControllerView` over a dict of app statuses, for tests of the
HTTP layer and the benchmarks that need a server without a controller behind it."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from gitsync.errors import ActionRefused
from gitsync.push.payloads import PushEvent
from gitsync.server.view import AppInfo
from gitsync.sync.selection import ResourceSelector


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
