"""`gitsync sync` as a subprocess: --dry-run, `-o json`, plain progress lines, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gitsync.sim import SimCluster
from tests.gitrepo import GitRepo
from tests.sync.e2e import (
    configmap,
    deployment,
    gitsync,
    job,
    service,
    sync_cli,
    sync_in_process,
    sync_json,
    write_app,
)

RESOURCE_KEYS = ["group", "kind", "namespace", "name", "phase", "wave", "hook", "result", "message"]


def shop(folder: Path) -> Path:
    return write_app(
        folder,
        [
            job("post", "PostSync"),
            deployment("frontend", wave=1),
            service("backend"),
            deployment("backend"),
            job("pre", "PreSync"),
            configmap("settings"),
        ],
    )


def test_dry_run_writes_nothing_at_all(sim: SimCluster, tmp_path: Path) -> None:
    app = shop(tmp_path / "shop")
    code, report = sync_json(sim, app, "--dry-run")
    assert code == 0, report
    assert report["phase"] == "Succeeded"
    assert sim.writes() == []  # not even the operation state
    assert any(r.dry_run for r in sim.requests), "the writes were not validated"
    assert sim.get_object("v1", "ConfigMap", "gitsync", "gitsync-op-shop") is None


def test_dry_run_of_a_prune_deletes_nothing(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web")])
    assert sync_in_process(sim, app) == "Succeeded"
    write_app(app, [configmap("settings")])
    sim.reset_requests()
    code, report = sync_json(sim, app, "--dry-run", "--prune")
    assert code == 0, report
    assert sim.writes() == []
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is not None
    web = next(r for r in report["resources"] if r["name"] == "web")
    assert web["result"] == "Pruned" and "dry run" in web["message"]


def test_json_output_lists_resources_in_execution_order(sim: SimCluster, tmp_path: Path) -> None:
    done = sync_cli(sim, shop(tmp_path / "shop"), "-o", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # nothing but the document on stdout
    assert list(report) == ["phase", "revision", "message", "resources", "changes"]
    assert report["phase"] == "Succeeded"
    assert report["changes"] == {"created": 6}
    assert report["revision"] == "local"
    for resource in report["resources"]:
        assert list(resource) == RESOURCE_KEYS
    rows = [
        (r["phase"], r["wave"], r["kind"], r["name"], r["hook"], r["result"])
        for r in report["resources"]
    ]
    assert rows == [
        ("PreSync", 0, "Job", "pre", True, "Synced"),
        ("Sync", 0, "ConfigMap", "settings", False, "Synced"),
        ("Sync", 0, "Service", "backend", False, "Synced"),
        ("Sync", 0, "Deployment", "backend", False, "Synced"),
        ("Sync", 1, "Deployment", "frontend", False, "Synced"),
        ("PostSync", 0, "Job", "post", True, "Synced"),
    ]
    backend = report["resources"][3]
    assert (backend["group"], backend["namespace"], backend["message"]) == (
        "apps",
        "default",
        "created",
    )


def test_plain_output_is_one_line_per_event_and_a_summary(sim: SimCluster, tmp_path: Path) -> None:
    done = sync_cli(sim, shop(tmp_path / "shop"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert not any("\x1b" in line for line in lines), "terminal escapes in piped output"
    assert "Sync wave 1  Deployment/default/frontend  Synced  created" in lines
    assert "PreSync wave 0  hook Job/default/pre  Succeeded" in "\n".join(lines)
    assert lines[-2] == "Succeeded: successfully synced (all tasks run)"
    assert lines[-1] == "revision local: 2 Succeeded, 4 Synced (6 created)"
    assert done.stderr == ""


def test_unknown_kind_fails_preflight_naming_the_resource(sim: SimCluster, tmp_path: Path) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    app = write_app(tmp_path / "shop", [configmap("settings"), widget])
    done = sync_cli(sim, app)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    summary = [line for line in done.stdout.splitlines() if line.startswith("Failed: ")]
    assert len(summary) == 1
    assert "Widget/default/w" in summary[0] and "does not serve Widget" in summary[0]
    assert sim.get_object("v1", "ConfigMap", "default", "settings") is None


def test_bad_input_is_a_one_line_error(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings")])
    broken = write_app(tmp_path / "broken", [])
    (broken / "manifests.yaml").write_text("kind: [\n")
    garbage = tmp_path / "kubeconfig"
    garbage.write_text("a: b: c\n")
    cases = [
        (("sync", tmp_path / "missing", "--kubeconfig", sim.kubeconfig), "missing"),
        (("sync", app, "--kubeconfig", tmp_path / "absent"), "absent"),
        (("sync", app, "--kubeconfig", garbage), "kubeconfig"),
        (("sync", broken, "--kubeconfig", sim.kubeconfig), "manifests.yaml"),
        (("sync", app, "--kubeconfig", sim.kubeconfig, "--timeout", "soon"), "--timeout"),
    ]
    for args, named in cases:
        done = gitsync(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        assert named in lines[0]
    assert sim.writes() == []


def test_unreachable_cluster_is_a_one_line_error(tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings")])
    with SimCluster(controllers=False) as gone:
        kubeconfig = gone.write_kubeconfig(tmp_path / "kubeconfig")
    done = gitsync("sync", app, "--kubeconfig", kubeconfig, "--timeout", "5s")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr


def test_timeout_fails_the_sync_and_deletes_the_running_hook(
    sim: SimCluster, tmp_path: Path
) -> None:
    slow = job("migrate", "Sync", wave=1, ann={"sim.gitsync.io/duration": "30"})
    app = write_app(tmp_path / "shop", [configmap("settings"), slow, deployment("web", wave=2)])
    code, report = sync_json(sim, app, "--timeout", "1s")
    assert code == 1, report
    assert report["phase"] == "Failed" and "timed out" in report["message"]
    hook = next(r for r in report["resources"] if r["name"] == "migrate")
    assert hook["message"].startswith("terminated")
    assert sim.get_object("batch/v1", "Job", "default", "migrate") is None
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None


def test_degraded_resource_fails_a_multi_wave_sync(sim: SimCluster, tmp_path: Path) -> None:
    broken = deployment("web", ann={"sim.gitsync.io/fail": "true"})
    app = write_app(
        tmp_path / "shop", [broken, configmap("late", ann={"argocd.argoproj.io/sync-wave": "1"})]
    )
    done = sync_cli(sim, app)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    degraded = [line for line in lines if "Deployment/default/web  Synced (failed)" in line]
    assert len(degraded) == 1 and "progress deadline" in degraded[0]
    assert lines[-2].startswith("Failed: ") and "Deployment/default/web" in lines[-2]
    assert sim.get_object("v1", "ConfigMap", "default", "late") is None


def test_sync_from_a_git_repo_reports_the_commit(sim: SimCluster, tmp_path: Path) -> None:
    files = {
        "apps/shop/all.yaml": yaml.safe_dump_all([configmap("settings"), job("pre", "PreSync")])
    }
    repo = GitRepo.create(tmp_path / "repo", files=files)
    code, report = sync_json(sim, "apps/shop", "--repo", repo.url)
    assert code == 0, report
    assert report["revision"] == repo.head
    assert [r["name"] for r in report["resources"]] == ["pre", "settings"]
    done = sync_cli(sim, "apps/shop", "--repo", repo.url, "--revision", "no-such-branch")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "no-such-branch" in done.stderr
