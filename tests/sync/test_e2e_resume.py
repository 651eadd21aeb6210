"""A `gitsync sync` process killed in the middle of a multi-wave sync, then run again,
finishes the operation without re-running hooks that had completed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gitsync.kube import Cluster
from gitsync.sim import RequestRecord, SimCluster
from tests.sync.e2e import configmap, deployment, in_process, job, sync_cli, sync_json, write_app
from tests.waiting import wait_for

DURATION = "sim.gitsync.io/duration"


def is_apply(record: RequestRecord, key: str) -> bool:
    """A create, or a server-side apply (not the JSON patch that drops the finalizer)."""
    if record.key != key or not record.is_write:
        return False
    return record.verb == "create" or (
        record.verb == "patch" and "apply-patch" in record.content_type
    )


def job_done(sim: SimCluster, name: str) -> bool:
    live = sim.get_object("batch/v1", "Job", "default", name)
    return live is not None and bool((live.get("status") or {}).get("succeeded"))


def recorded_running(sim: SimCluster, name: str) -> bool:
    """The stored operation state already knows the hook was created."""
    stored = sim.get_object("v1", "ConfigMap", "gitsync", "gitsync-op-shop")
    state = json.loads(((stored or {}).get("data") or {}).get("operation.json") or "{}")
    return any(
        r.get("name") == name and r.get("result") == "Synced"
        for r in (state.get("results") or {}).values()
    )


def generated(prefix: str, phase: str) -> dict[str, Any]:
    """A hook with only generateName: its name is fixed per operation, so a resumed
    operation must address the same object."""
    body = job("unused", phase)
    del body["metadata"]["name"]
    body["metadata"]["generateName"] = prefix
    return body


def test_killed_sync_resumes_without_repeating_completed_hooks(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = write_app(
        tmp_path / "shop",
        [
            job("pre", "PreSync"),
            generated("seed-", "PreSync"),
            configmap("settings"),
            job("slow", "Sync", wave=1, ann={DURATION: "3"}),
            deployment("web", wave=2),
            job("post", "PostSync"),
        ],
    )
    command = [
        sys.executable, "-m", "gitsync", "sync", str(app),
        "--kubeconfig", str(sim.kubeconfig), "--wave-delay", "0",
    ]  # fmt: skip
    first = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
    )
    try:
        wait_for(
            lambda: job_done(sim, "pre") and recorded_running(sim, "slow"),
            timeout=20,
            what="the wave-1 hook to start",
        )
        assert not job_done(sim, "slow")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None

    done = sync_cli(sim, app)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Succeeded" in done.stdout
    log = sim.requests
    assert sum(is_apply(r, "Job/default/pre") for r in log) == 1
    seeds = [j["metadata"]["name"] for j in sim.list_objects("batch/v1", "Job", "default")]
    seeds = [name for name in seeds if name.startswith("seed-")]
    assert len(seeds) == 1, seeds
    assert sum(is_apply(r, f"Job/default/{seeds[0]}") for r in log) == 1
    assert sum(is_apply(r, "Job/default/slow") for r in log) == 1
    assert sum(is_apply(r, "Job/default/post") for r in log) == 1
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is not None
    for name in ("pre", "slow", "post"):
        live = sim.get_object("batch/v1", "Job", "default", name)
        assert live is not None and not live["metadata"].get("finalizers"), name


def test_dry_run_leaves_an_interrupted_operation_alone(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "shop",
        [job("pre", "PreSync"), job("slow", "Sync", wave=1, ann={DURATION: "1"})],
    )
    runner, request = in_process(sim, app)
    state = runner.begin(request)
    deadline = time.monotonic() + 20
    while not recorded_running(sim, "slow"):  # stop stepping, as if the process died
        assert time.monotonic() < deadline
        state = runner.step(request, state)
        time.sleep(0.02)
    sim.reset_requests()
    dry = sync_cli(sim, app, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert sim.writes() == []
    slow = sim.get_object("batch/v1", "Job", "default", "slow")
    assert slow is not None and slow["metadata"].get("finalizers")

    done = sync_cli(sim, app)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sum(is_apply(r, "Job/default/pre") for r in sim.requests) == 0
    assert sum(is_apply(r, "Job/default/slow") for r in sim.requests) == 0


def test_interrupted_prune_finishes_when_the_object_is_gone_on_resume(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web")])
    runner, request = in_process(sim, app)
    assert runner.run(request, timeout=30).phase == "Succeeded"
    sim.mutate(
        "apps/v1",
        "Deployment",
        "default",
        "web",
        lambda o: {**o, "metadata": {**o["metadata"], "finalizers": ["example.com/hold"]}},
    )
    write_app(app, [configmap("settings"), job("post", "PostSync")])
    runner, request = in_process(sim, app, prune=True)
    state = runner.begin(request)
    for _ in range(20):  # stop stepping while the prune waits, as if the process died
        state = runner.step(request, state)
        if "waiting for deletion" in state.message:
            break
    assert "waiting for deletion of Deployment/default/web" in state.message
    # the object goes away while no sync runs (its other controller lets go)
    cluster = Cluster.from_kubeconfig(str(sim.kubeconfig))
    release = [{"op": "replace", "path": "/metadata/finalizers", "value": []}]
    cluster.patch("apps/v1", "Deployment", "default", "web", release, patch_type="json")
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None

    code, report = sync_json(sim, app, "--prune")
    assert code == 0, report
    rows = [(r["kind"], r["name"], r["result"]) for r in report["resources"]]
    assert rows == [
        ("Deployment", "web", "Pruned"),
        ("ConfigMap", "settings", "Synced"),
        ("Job", "post", "Synced"),
    ]
