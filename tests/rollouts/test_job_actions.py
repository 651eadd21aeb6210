"""Hook Jobs that run `gitsync rollout ...` / `kubectl argo rollouts ...` act on the
embedded cluster when they complete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gitsync.rollouts import RolloutCommand, parse_rollout_command
from gitsync.sim import SimCluster
from tests.sim.waiting import wait_for

from .helpers import health, selector_hash, status, wait_health
from .objects import blue_green, job, service


@pytest.fixture
def paused(sim: SimCluster) -> Iterator[tuple[SimCluster, str, str]]:
    sim.install_argo_rollouts_crds()
    sim.apply(service("web-active", "web"))
    sim.apply(service("web-preview", "web"))
    sim.apply(blue_green(image="nginx:1.0"))
    wait_health(sim, "Healthy")
    old = status(sim)["stableRS"]
    sim.apply(blue_green(image="nginx:2.0"))
    wait_for(lambda: status(sim).get("phase") == "Paused")
    yield sim, old, status(sim)["currentPodHash"]


def _job_status(sim: SimCluster, name: str) -> dict[str, int]:
    found = sim.get_object("batch/v1", "Job", "default", name)
    return dict((found or {}).get("status") or {})


def test_job_running_gitsync_rollout_promote_promotes(
    paused: tuple[SimCluster, str, str],
) -> None:
    sim, old, new = paused
    sim.controllers.ready_delay = 0.2
    sim.apply(job("promote-web", ["rollout", "promote", "web"]))
    # Nothing happens while the Job runs ...
    wait_for(lambda: _job_status(sim, "promote-web").get("active") == 1)
    assert selector_hash(sim, "web-active") == old
    # ... and the Rollout is promoted when it completes.
    wait_for(lambda: _job_status(sim, "promote-web").get("succeeded") == 1)
    wait_health(sim, "Healthy")
    assert selector_hash(sim, "web-active") == new


def test_kubectl_argo_rollouts_in_a_shell_script_aborts(
    paused: tuple[SimCluster, str, str],
) -> None:
    sim, old, _ = paused
    script = "echo tests failed; kubectl argo rollouts abort web -n default"
    sim.apply(job("abort-web", command=["/bin/sh", "-c", script]))
    wait_for(lambda: _job_status(sim, "abort-web").get("succeeded") == 1)
    wait_health(sim, "Degraded")
    assert selector_hash(sim, "web-active") == old


def test_failing_job_does_not_act(paused: tuple[SimCluster, str, str]) -> None:
    sim, old, _ = paused
    sim.apply(
        job(
            "promote-web",
            ["rollout", "promote", "web"],
            annotations={"sim.gitsync.io/fail": "true"},
        )
    )
    wait_for(lambda: _job_status(sim, "promote-web").get("failed") == 1)
    assert health(sim)[0] == "Progressing"
    assert status(sim)["pauseConditions"][0]["reason"] == "BlueGreenPause"
    assert selector_hash(sim, "web-active") == old


def test_job_naming_a_missing_rollout_fails(paused: tuple[SimCluster, str, str]) -> None:
    sim, _, _ = paused
    sim.apply(job("promote-other", ["rollout", "promote", "other"]))
    wait_for(lambda: _job_status(sim, "promote-other").get("failed") == 1)


@pytest.mark.parametrize(
    ("command", "args", "wanted"),
    [
        (None, ["rollout", "promote", "web"], RolloutCommand("promote", "web")),
        (
            ["gitsync"],
            ["rollout", "promote", "web", "--full", "-n", "shop"],
            RolloutCommand("promote", "web", "shop", True),
        ),
        (
            ["/usr/local/bin/kubectl", "argo", "rollouts", "abort", "web"],
            None,
            RolloutCommand("abort", "web"),
        ),
        (
            ["kubectl-argo-rollouts", "retry", "--namespace=x", "web"],
            None,
            RolloutCommand("retry", "web", "x"),
        ),
        (
            ["sh", "-c", "set -e\ncurl -f http://web-preview && gitsync rollout promote web"],
            None,
            RolloutCommand("promote", "web"),
        ),
        (None, ["rollout", "get", "web"], None),
        (["busybox"], ["echo", "promote", "web"], None),
        (None, ["rollout", "promote"], None),
    ],
)
def test_parse_rollout_command(
    command: list[str] | None, args: list[str] | None, wanted: RolloutCommand | None
) -> None:
    assert parse_rollout_command(command, args) == wanted
