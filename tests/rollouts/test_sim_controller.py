"""The embedded cluster's Rollout controller, driven by `gitsync rollout` (subprocesses),
judged with gitsync's own health assessment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from gitsync.sim import SimCluster
from tests.sim.waiting import wait_for

from .helpers import (
    gitsync_cli,
    health,
    replica_sets,
    rollout,
    selector_hash,
    status,
    wait_health,
)
from .objects import blue_green, canary, service


@pytest.fixture
def rollouts(sim: SimCluster) -> Iterator[SimCluster]:
    sim.install_argo_rollouts_crds()
    sim.apply(service("web-active", "web"))
    sim.apply(service("web-preview", "web"))
    yield sim


def _paused_on_v2(sim: SimCluster) -> tuple[str, str]:
    """Deploy v1, then v2; returns (old hash, new hash) once v2 waits for promotion."""
    sim.apply(blue_green(image="nginx:1.0"))
    wait_health(sim, "Healthy")
    old = status(sim)["stableRS"]
    sim.apply(blue_green(image="nginx:2.0"))
    message = wait_health(sim, "Progressing")
    wait_for(lambda: status(sim).get("phase") == "Paused")
    new = status(sim)["currentPodHash"]
    assert new != old
    assert "BlueGreenPause" in health(sim)[1] or "BlueGreenPause" in message
    return old, new


def test_blue_green_first_version_becomes_active_directly(rollouts: SimCluster) -> None:
    rollouts.apply(blue_green(image="nginx:1.0"))
    wait_health(rollouts, "Healthy")
    st = status(rollouts)
    current = st["currentPodHash"]
    assert st["stableRS"] == st["blueGreen"]["activeSelector"] == current
    assert st["phase"] == "Healthy"
    assert selector_hash(rollouts, "web-active") == current
    rs = replica_sets(rollouts)[current]
    assert rs["metadata"]["name"] == f"web-{current}"
    assert rs["metadata"]["ownerReferences"][0]["uid"] == rollout(rollouts)["metadata"]["uid"]
    assert rs["status"]["availableReplicas"] == 2
    assert st["availableReplicas"] == st["updatedReplicas"] == st["replicas"] == 2


def test_new_version_pauses_behind_the_preview_until_promoted(rollouts: SimCluster) -> None:
    old, new = _paused_on_v2(rollouts)
    st = status(rollouts)
    assert [c["reason"] for c in st["pauseConditions"]] == ["BlueGreenPause"]
    assert st["controllerPause"] is True
    assert st["message"] == "BlueGreenPause"
    assert st["blueGreen"] == {"activeSelector": old, "previewSelector": new}
    assert selector_hash(rollouts, "web-active") == old
    assert selector_hash(rollouts, "web-preview") == new
    assert replica_sets(rollouts)[new]["status"]["availableReplicas"] == 2

    done = gitsync_cli(rollouts, "rollout", "promote", "web")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rollout 'web' promoted"
    wait_health(rollouts, "Healthy")
    st = status(rollouts)
    assert st["stableRS"] == st["blueGreen"]["activeSelector"] == new
    assert "pauseConditions" not in st and "controllerPause" not in st
    assert selector_hash(rollouts, "web-active") == new
    wait_for(lambda: replica_sets(rollouts)[old]["spec"]["replicas"] == 0)


def test_abort_degrades_and_keeps_the_active_version_then_retry_restarts(
    rollouts: SimCluster,
) -> None:
    old, new = _paused_on_v2(rollouts)
    done = gitsync_cli(rollouts, "rollout", "abort", "web")
    assert done.returncode == 0, done.stderr
    message = wait_health(rollouts, "Degraded")
    assert "RolloutAborted" in message
    st = status(rollouts)
    assert st["abort"] is True and st["phase"] == "Degraded"
    assert st["blueGreen"]["activeSelector"] == old
    assert selector_hash(rollouts, "web-active") == old
    wait_for(lambda: replica_sets(rollouts)[new]["spec"]["replicas"] == 0)

    done = gitsync_cli(rollouts, "rollout", "retry", "web")
    assert done.returncode == 0, done.stderr
    wait_for(lambda: status(rollouts).get("phase") == "Paused")
    assert health(rollouts)[0] == "Progressing"
    assert status(rollouts)["blueGreen"]["previewSelector"] == new
    assert selector_hash(rollouts, "web-active") == old


def test_full_promotion_skips_the_pause(rollouts: SimCluster) -> None:
    _, new = _paused_on_v2(rollouts)
    done = gitsync_cli(rollouts, "rollout", "promote", "web", "--full")
    assert done.returncode == 0, done.stderr
    assert "fully promoted" in done.stdout
    wait_health(rollouts, "Healthy")
    assert selector_hash(rollouts, "web-active") == new


STEPS = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "10s"}}]


def test_canary_walks_its_steps(rollouts: SimCluster) -> None:
    rollouts.controllers.rollout.duration_scale = 0.1  # type: ignore[attr-defined]
    rollouts.apply(canary("shop", "shop:1", STEPS))
    wait_health(rollouts, "Healthy", "shop")
    assert status(rollouts, "shop")["currentStepIndex"] == 4
    old = status(rollouts, "shop")["stableRS"]

    rollouts.apply(canary("shop", "shop:2", STEPS))
    wait_for(lambda: status(rollouts, "shop").get("phase") == "Paused")
    st = status(rollouts, "shop")
    new = st["currentPodHash"]
    assert st["currentStepIndex"] == 1
    assert [c["reason"] for c in st["pauseConditions"]] == ["CanaryPauseStep"]
    state, message = health(rollouts, "shop")
    assert state == "Progressing" and "CanaryPauseStep" in message and "step 2 of 4" in message
    sets = replica_sets(rollouts)
    assert sets[new]["spec"]["replicas"] == 1 and sets[old]["spec"]["replicas"] == 3

    got = gitsync_cli(rollouts, "rollout", "get", "shop")
    assert got.returncode == 0, got.stderr
    assert "Strategy:      Canary" in got.stdout
    assert "Step:          1/4" in got.stdout
    assert "Paused:        CanaryPauseStep" in got.stdout
    assert f"hash={new}  role=canary  ready=1/1" in got.stdout
    assert f"hash={old}  role=stable  ready=3/3" in got.stdout

    assert gitsync_cli(rollouts, "rollout", "promote", "shop").returncode == 0
    # The timed pause at step 4 holds it for 1 s (10 s scaled), then it finishes by itself.
    wait_for(lambda: status(rollouts, "shop").get("currentStepIndex") == 3)
    assert status(rollouts, "shop")["pauseConditions"][0]["reason"] == "CanaryPauseStep"
    assert replica_sets(rollouts)[new]["spec"]["replicas"] == 2
    wait_health(rollouts, "Healthy", "shop")
    st = status(rollouts, "shop")
    assert st["stableRS"] == new and st["currentStepIndex"] == 4
    wait_for(lambda: replica_sets(rollouts)[old]["spec"]["replicas"] == 0)


def test_get_prints_the_blue_green_picture(rollouts: SimCluster) -> None:
    old, new = _paused_on_v2(rollouts)
    got = gitsync_cli(rollouts, "rollout", "get", "web", "-n", "default")
    assert got.returncode == 0, got.stderr
    out = got.stdout
    assert "Name:          web" in out and "Namespace:     default" in out
    assert "Strategy:      BlueGreen" in out and "Phase:         Paused" in out
    assert "Health:        Progressing" in out and "Paused:        BlueGreenPause" in out
    assert "Images:        nginx:2.0" in out
    assert f"web-{old}  hash={old}  role=stable,active  ready=2/2" in out
    assert f"web-{new}  hash={new}  role=preview  ready=2/2" in out
    as_yaml = gitsync_cli(rollouts, "rollout", "get", "web", "-n", "default", "-o", "yaml")
    view = yaml.safe_load(as_yaml.stdout)
    assert view["strategy"] == "blueGreen" and view["phase"] == "Paused"
    named = gitsync_cli(rollouts, "rollout", "get", "web", "-n", "default", "-o", "name")
    assert named.stdout == "Rollout/default/web\n"


def test_missing_rollout_is_one_line_and_exit_2(rollouts: SimCluster) -> None:
    for verb in ("get", "promote", "abort", "retry"):
        done = gitsync_cli(rollouts, "rollout", verb, "nope")
        assert done.returncode == 2, (verb, done.stdout, done.stderr)
        assert done.stderr.strip().count("\n") == 0
        assert "rollout 'nope' not found in namespace 'default'" in done.stderr
