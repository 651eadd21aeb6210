"""Which API actions an app allows (gitsync/controller/actions.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.controller.actions import check_rollout, check_sync_revision, rollback_revision
from gitsync.controller.status import AppStatus, ResourceStatus, SyncResult
from gitsync.errors import ActionRefused
from gitsync.model import Application


def _app(*, automated: bool = False, chart: str = "") -> Application:
    source: dict[str, Any] = {"repoURL": "https://git.example.invalid/apps.git"}
    source.update({"chart": chart, "targetRevision": "1.0"} if chart else {"path": "web"})
    spec: dict[str, Any] = {
        "source": source,
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
    }
    if automated:
        spec["syncPolicy"] = {"automated": {}}
    return Application.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": spec,
        }
    )


def _status() -> AppStatus:
    status = AppStatus(name="web")
    for revision in ("a" * 40, "b" * 40):
        status.record(SyncResult(revision, "Succeeded", "", 0.0, 1.0))
    return status


def test_a_sync_to_another_revision_needs_one_git_source_and_no_automated_sync() -> None:
    check_sync_revision(_app(), "v1", dry_run=False)
    check_sync_revision(_app(automated=True), "HEAD", dry_run=False)  # its own target
    check_sync_revision(_app(automated=True), "v1", dry_run=True)
    with pytest.raises(ActionRefused, match="automated sync follows HEAD") as refused:
        check_sync_revision(_app(automated=True), "v1", dry_run=False)
    assert refused.value.status == 409
    with pytest.raises(ActionRefused, match="one Git source"):
        check_sync_revision(_app(chart="web"), "1.1", dry_run=False)


def test_a_rollback_names_a_kept_history_entry_of_a_manual_app() -> None:
    assert rollback_revision(_app(), _status(), 0) == "a" * 40
    assert rollback_revision(_app(), _status(), 1) == "b" * 40
    with pytest.raises(ActionRefused, match="no history entry 2") as missing:
        rollback_revision(_app(), _status(), 2)
    assert missing.value.status == 404
    with pytest.raises(ActionRefused, match="automated sync is enabled"):
        rollback_revision(_app(automated=True), _status(), 0)


def test_a_rollout_action_names_a_rollout_of_the_app() -> None:
    status = _status()
    status.resources = [ResourceStatus("argoproj.io", "Rollout", "web", "front", "Synced")]
    check_rollout(status, "web", "front")
    with pytest.raises(ActionRefused, match="Rollout/web/back is not a resource of web"):
        check_rollout(status, "web", "back")
