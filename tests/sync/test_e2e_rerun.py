"""Syncing again: nothing changed writes no plain resource; a field removed from Git is
removed from the cluster (a write is not skipped when server-side apply would drop it)."""

from __future__ import annotations

from pathlib import Path

from gitsync.sim import SimCluster
from tests.sync.e2e import (
    app_writes,
    configmap,
    deployment,
    job,
    service,
    sync_cli,
    sync_in_process,
    write_app,
    write_keys,
)


def test_resync_without_changes_only_runs_the_hooks_again(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "shop",
        [
            job("pre", "PreSync"),
            configmap("settings"),
            service("backend"),
            deployment("backend"),
            deployment("frontend", wave=1),
            job("post", "PostSync", policy="HookSucceeded"),
        ],
    )
    assert sync_in_process(sim, app) == "Succeeded"
    sim.reset_requests()
    second = sync_cli(sim, app)
    assert second.returncode == 0, second.stdout + second.stderr
    writes = app_writes(sim)
    assert {r.kind for r in writes} == {"Job"}, [(r.verb, r.key) for r in writes]
    # pre is replaced (BeforeHookCreation: delete, then create); post was deleted after
    # the first sync (HookSucceeded), so it is only created again.
    assert write_keys(writes) == ["Job/default/pre", "Job/default/post"]
    assert [r.key for r in writes if r.verb == "delete"] == [
        "Job/default/pre",
        "Job/default/post",
    ]


def test_field_removed_from_git_is_removed_from_the_cluster(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = tmp_path / "settings"
    write_app(app, [configmap("settings", {"kept": "1", "dropped": "2"})])
    assert sync_in_process(sim, app) == "Succeeded"
    write_app(app, [configmap("settings", {"kept": "1"})])
    sim.reset_requests()
    done = sync_cli(sim, app)
    assert done.returncode == 0, done.stdout + done.stderr
    assert write_keys(app_writes(sim)) == ["ConfigMap/default/settings"]
    live = sim.get_object("v1", "ConfigMap", "default", "settings")
    assert live is not None and live["data"] == {"kept": "1"}


def test_field_set_by_another_manager_does_not_force_a_write(
    sim: SimCluster, tmp_path: Path
) -> None:
    """Fields gitsync never owned do not make the write necessary."""
    app = write_app(tmp_path / "settings", [configmap("settings", {"kept": "1"})])
    assert sync_in_process(sim, app) == "Succeeded"
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "default"},
            "data": {"other": "x"},
        },
        field_manager="someone-else",
    )
    sim.reset_requests()
    done = sync_cli(sim, app)
    assert done.returncode == 0, done.stdout + done.stderr
    assert app_writes(sim) == []
    assert "unchanged" in done.stdout
