"""The Rollout pause gate end to end: `gitsync sync` (a subprocess) against the embedded
cluster, with a blue-green Rollout, a PostSync integration test and a PostSync promotion."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from tests.sim.waiting import wait_for
from tests.sync.e2e import app_writes, sync_cli, write_app, write_keys

from .helpers import HASH, health, replica_sets, selector_hash, status, wait_health
from .objects import blue_green, job

HOOK = "argocd.argoproj.io/hook"
WAVE = "argocd.argoproj.io/sync-wave"
GATE = {"gitsync.io/sync-gate": "pause"}
FAIL = {"sim.gitsync.io/fail": "true"}


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }


def _hook(name: str, phase: str, wave: int, **kwargs: Any) -> dict[str, Any]:
    extra = kwargs.pop("annotations", {})
    obj = job(name, annotations={HOOK: phase, WAVE: str(wave), **extra}, **kwargs)
    del obj["metadata"]["namespace"]
    return obj


def _app(folder: Path, image: str, *, gate: bool = True, test_fails: bool = False) -> Path:
    rollout = blue_green(image=image, annotations=GATE if gate else {})
    del rollout["metadata"]["namespace"]
    return write_app(
        folder,
        [
            _service("web-active"),
            _service("web-preview"),
            rollout,
            _hook(
                "integration-test",
                "PostSync",
                0,
                command=["sh", "-c", "curl -fsS http://web-preview/health"],
                annotations=FAIL if test_fails else {},
            ),
            _hook("promote-web", "PostSync", 1, args=["rollout", "promote", "web"]),
            _hook("notify", "SyncFail", 0, args=["echo", "sync failed"]),
        ],
    )


@dataclass
class Recorder:
    """What the cluster looked like when each Job was created."""

    sim: SimCluster
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, event: WatchEvent) -> None:
        if event.kind == "Job" and event.type == "ADDED":
            ro = self.sim.store.get("argoproj.io", "Rollout", "default", "web")
            snapshot = {
                "rollout": dict((ro.obj.get("status") if ro else None) or {}),
                "replicasets": {
                    str(s.obj["metadata"]["labels"].get(HASH)): dict(s.obj.get("status") or {})
                    for s in self.sim.store.items("apps", "ReplicaSet", "default")
                },
            }
            self.seen.append((event.name, snapshot))


@pytest.fixture
def cluster(sim: SimCluster) -> Iterator[SimCluster]:
    sim.install_argo_rollouts_crds()
    sim.controllers.ready_delay = 0.2  # ReplicaSets and Jobs take a moment
    yield sim


def _first_version(sim: SimCluster, folder: Path, **kwargs: Any) -> str:
    done = sync_cli(sim, _app(folder, "web:1.0", **kwargs))
    assert done.returncode == 0, done.stdout + done.stderr
    wait_health(sim, "Healthy")
    return str(status(sim)["stableRS"])


def test_gate_lets_postsync_test_then_promote(cluster: SimCluster, tmp_path: Path) -> None:
    old = _first_version(cluster, tmp_path / "web")
    recorder = Recorder(cluster)
    cluster.store.listeners.append(recorder)
    cluster.reset_requests()

    done = sync_cli(cluster, _app(tmp_path / "web", "web:2.0"))
    assert done.returncode == 0, done.stdout + done.stderr

    assert write_keys(app_writes(cluster)) == [
        "Rollout/default/web",
        "Job/default/integration-test",
        "Job/default/promote-web",
    ]
    created = [name for name, _ in recorder.seen]
    assert created == ["integration-test", "promote-web"]
    new = status(cluster)["currentPodHash"]
    assert new != old
    # The test Job was created once the preview ReplicaSet was available, while the
    # Rollout waited for promotion with the active Service on the old version.
    at_test = recorder.seen[0][1]
    assert at_test["replicasets"][new].get("availableReplicas") == 2
    assert at_test["rollout"]["phase"] == "Paused"
    assert at_test["rollout"]["blueGreen"] == {"activeSelector": old, "previewSelector": new}
    assert at_test["rollout"]["pauseConditions"][0]["reason"] == "BlueGreenPause"
    # The promotion came after the test.
    assert recorder.seen[1][1]["rollout"]["blueGreen"]["activeSelector"] == old

    wait_health(cluster, "Healthy")
    assert status(cluster)["stableRS"] == new
    assert selector_hash(cluster, "web-active") == new
    wait_for(lambda: replica_sets(cluster)[old]["spec"]["replicas"] == 0)


def test_failing_test_job_stops_before_promotion(cluster: SimCluster, tmp_path: Path) -> None:
    old = _first_version(cluster, tmp_path / "web")
    cluster.reset_requests()

    done = sync_cli(cluster, _app(tmp_path / "web", "web:2.0", test_fails=True))
    assert done.returncode == 1, done.stdout + done.stderr
    keys = write_keys(app_writes(cluster))
    assert "Job/default/integration-test" in keys
    assert "Job/default/promote-web" not in keys
    assert keys[-1] == "Job/default/notify"
    notify = cluster.get_object("batch/v1", "Job", "default", "notify")
    assert notify is not None and notify["status"].get("succeeded") == 1
    assert selector_hash(cluster, "web-active") == old
    state, message = health(cluster)
    assert state == "Progressing" and "BlueGreenPause" in message


def test_app_sync_option_opens_the_gate(cluster: SimCluster, tmp_path: Path) -> None:
    _first_version(cluster, tmp_path / "web", gate=False)
    app = _app(tmp_path / "web", "web:2.0", gate=False)
    done = sync_cli(cluster, app, "--sync-option", "RolloutSyncGate=pause")
    assert done.returncode == 0, done.stdout + done.stderr
    wait_health(cluster, "Healthy")
    assert selector_hash(cluster, "web-active") == status(cluster)["currentPodHash"]


def test_without_the_gate_the_sync_keeps_waiting(cluster: SimCluster, tmp_path: Path) -> None:
    old = _first_version(cluster, tmp_path / "web", gate=False)
    cluster.reset_requests()
    done = sync_cli(cluster, _app(tmp_path / "web", "web:2.0", gate=False), "--timeout", "2s")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed: timed out after 2s" in done.stdout
    # The last word on the Rollout: still waiting, and why.
    last = [line for line in done.stdout.splitlines() if "Rollout/default/web" in line][-1]
    assert "Synced (waiting)" in last
    assert "Rollout is paused (BlueGreenPause): awaiting promotion" in last
    keys = write_keys(app_writes(cluster))
    assert "Job/default/integration-test" not in keys
    assert "Job/default/promote-web" not in keys
    assert selector_hash(cluster, "web-active") == old
    assert status(cluster)["phase"] == "Paused"
