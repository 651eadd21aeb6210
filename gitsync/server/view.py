"""What the HTTP layer needs from the controller: the `ControllerView` protocol.

The controller implements it (the tests have a small in-memory one). Every method is
called from HTTP worker threads, concurrently, and must return quickly: `on_push` and
`request_sync` only enqueue work.

Application status is exchanged as JSON-able mappings, the shape of
``gitsync.controller.status.AppStatus.to_dict()``: at least ``name``, ``sync_status`` and
``health``; the status page also shows ``revision``, ``target_revision``, ``repo``,
``path``, ``message`` and ``health_message`` when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from gitsync.errors import ActionRefused
from gitsync.push.payloads import PushEvent
from gitsync.sync.selection import ResourceSelector

__all__ = ["ActionRefused", "AppInfo", "ControllerView"]

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
