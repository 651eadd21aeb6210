"""Which actions people may take on an app through the API (pure): a sync to another
revision, a rollback, a Rollout promotion or abort. Argo CD's rules carry over; a
refused action raises `ActionRefused` with the HTTP status the API answers with."""

from __future__ import annotations

from gitsync.controller.status import AppStatus
from gitsync.errors import ActionRefused
from gitsync.model import Application


def check_sync_revision(app: Application, revision: str, dry_run: bool) -> None:
    """Syncing to another revision than the app's target: one Git source, and not against
    an automated sync that would move it back at once (a dry run may)."""
    if len(app.sources) != 1 or app.sources[0].chart:
        raise ActionRefused(409, "syncing to a revision needs an app with one Git source")
    target = app.sources[0].key.revision
    if app.sync_policy.automated is not None and not dry_run and revision != target:
        raise ActionRefused(409, f"cannot sync to {revision}: automated sync follows {target}")


def rollback_revision(app: Application, status: AppStatus, history_id: int) -> str:
    """The revision of history entry `history_id` (0: oldest kept) to sync to once;
    refused while automated sync would undo it at once."""
    if app.sync_policy.automated is not None:
        raise ActionRefused(409, f"rollback of {app.name} refused: automated sync is enabled")
    if len(app.sources) != 1 or app.sources[0].chart:
        raise ActionRefused(409, "rollback needs an app with one Git source")
    if not 0 <= history_id < len(status.history):
        raise ActionRefused(404, f"{app.name} has no history entry {history_id}")
    return status.history[history_id].revision


def check_rollout(status: AppStatus, namespace: str, rollout: str) -> None:
    """A Rollout action names one of the app's own resources."""
    if not any(
        (r.kind, r.namespace, r.name) == ("Rollout", namespace, rollout) for r in status.resources
    ):
        raise ActionRefused(
            404, f"Rollout/{namespace}/{rollout} is not a resource of {status.name}"
        )
