"""The requests of one cold app sync through `gitsync serve`: bookkeeping writes and
reads per app stay under a ceiling, so a change that adds requests fails here."""

from __future__ import annotations

from pathlib import Path

from gitsync.sim.records import RequestRecord
from tests.controller.harness import all_synced_healthy, configmap, deployment, environment

# Per app and cold automated sync of one wave without hooks: no operation-state write (a
# restart would start the same sync again, so nothing needs storing while it goes well)
# and one app-status write, its end saved with the comparison of the next visit; a second
# one when that comparison still saw the Deployment progressing (its status written by
# the emulator's controller after the apply, which a loaded machine can delay).
MAX_OPERATION_WRITES = 0
MAX_STATUS_WRITES = 2


def _bookkeeping(records: list[RequestRecord], app: str, prefix: str) -> int:
    return sum(
        1
        for r in records
        if r.is_write
        and r.kind == "ConfigMap"
        and r.namespace == "gitsync"
        and (r.name or "").startswith(f"{prefix}{app}")
    )


def test_one_cold_app_sync_stays_within_its_request_budget(tmp_path: Path) -> None:
    files = {
        "apps/web/deploy.yaml": deployment("web"),
        "apps/web/config.yaml": configmap("web-config", "v1"),
    }
    with environment(tmp_path, files) as env:
        apps = env.wait_apps(all_synced_healthy({"web-c1", "web-c2"}), timeout=60)
        records = [r for sim in env.sims for r in sim.requests if r.verb != "watch"]
        for app in apps:
            assert _bookkeeping(records, app, "gitsync-op-") <= MAX_OPERATION_WRITES
            assert _bookkeeping(records, app, "gitsync-status-") <= MAX_STATUS_WRITES
            # The prune candidates come from the watch cache: no LIST by the app's label.
            per_app_lists = [
                r
                for r in records
                if r.verb == "list" and r.query.get("labelSelector") == f"gitsync.io/app={app}"
            ]
            assert per_app_lists == []
            # The stored operations were listed once when the controller started leading.
            assert not [r for r in records if r.verb == "get" and r.name == f"gitsync-op-{app}"]
        # The apps' objects are not read before they are written: the watch cache answers.
        # (The namespace CreateNamespace=true makes is read: one gitsync did not create
        # carries no tracking label, and is left as it is.)
        ours = [
            r for r in records if r.kind in {"Deployment", "ConfigMap"} and r.namespace == "web"
        ]
        assert [r.key for r in ours if r.verb == "get"] == []
        assert len([r for r in ours if r.is_write]) == 2 * 2  # each object once, on each cluster
