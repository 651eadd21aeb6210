"""Hook failure end to end: `gitsync sync` as a subprocess against the embedded API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.sim import SimCluster
from tests.sync.e2e import app_writes, configmap, deployment, job, sync_cli, write_app, write_keys

FAIL = {"sim.gitsync.io/fail": "true"}


@pytest.mark.parametrize(("policy", "kept"), [("HookFailed", False), ("BeforeHookCreation", True)])
def test_failing_presync_hook_stops_the_sync_and_runs_syncfail_hooks(
    sim: SimCluster, tmp_path: Path, policy: str, kept: bool
) -> None:
    app = write_app(
        tmp_path / "shop",
        [
            job("migrate", "PreSync", policy=policy, ann=FAIL),
            configmap("settings"),
            deployment("backend"),
            job("smoke", "Sync", wave=1),
            job("post", "PostSync"),
            job("alert", "SyncFail"),
        ],
    )
    done = sync_cli(sim, app)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Job/default/migrate" in done.stdout
    assert write_keys(app_writes(sim)) == ["Job/default/migrate", "Job/default/alert"]
    for name in ("settings", "backend"):
        kind, api = ("ConfigMap", "v1") if name == "settings" else ("Deployment", "apps/v1")
        assert sim.get_object(api, kind, "default", name) is None
    alert = sim.get_object("batch/v1", "Job", "default", "alert")
    assert alert is not None and alert["status"].get("succeeded") == 1
    migrate = sim.get_object("batch/v1", "Job", "default", "migrate")
    assert (migrate is not None) is kept
    if migrate is not None:
        assert not migrate["metadata"].get("finalizers"), "the hook finalizer was left behind"


def test_failing_sync_hook_leaves_later_waves_unapplied(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "shop",
        [configmap("settings"), job("check", "Sync", wave=1, ann=FAIL), deployment("web", wave=2)],
    )
    done = sync_cli(sim, app)
    assert done.returncode == 1, done.stdout + done.stderr
    assert write_keys(app_writes(sim)) == ["ConfigMap/default/settings", "Job/default/check"]
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None
