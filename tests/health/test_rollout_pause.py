"""rollout_pause_state: what the sync engine needs to let a Rollout finish its wave."""

from __future__ import annotations

import copy

from gitsync.health import RolloutPause, assess, rollout_pause_state
from gitsync.model.enums import HealthStatus
from tests.health.fixtures import load


def test_bluegreen_awaiting_promotion_with_preview_ready() -> None:
    pause = rollout_pause_state(load("rollout/progressing_paused_bluegreen"))
    assert pause == RolloutPause(
        strategy="blueGreen",
        reasons=("BlueGreenPause",),
        manual=False,
        awaiting_promotion=True,
        new_pods_available=True,
    )


def test_bluegreen_preview_not_selecting_new_pods() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_bluegreen"))
    obj["status"]["blueGreen"]["previewSelector"] = obj["status"]["blueGreen"]["activeSelector"]
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.new_pods_available


def test_bluegreen_preview_short_of_replicas() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_bluegreen"))
    obj["status"]["updatedReplicas"] = 2
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.new_pods_available


def test_bluegreen_preview_replica_count_is_the_target() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_bluegreen"))
    obj["spec"]["strategy"]["blueGreen"]["previewReplicaCount"] = 1
    obj["status"]["updatedReplicas"] = 1
    pause = rollout_pause_state(obj)
    assert pause is not None and pause.new_pods_available


def test_bluegreen_with_auto_promotion_does_not_wait_for_promotion() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_bluegreen"))
    del obj["spec"]["strategy"]["blueGreen"]["autoPromotionEnabled"]
    obj["spec"]["strategy"]["blueGreen"]["autoPromotionSeconds"] = 60
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.awaiting_promotion


def test_canary_at_indefinite_pause_step() -> None:
    pause = rollout_pause_state(load("rollout/progressing_paused_canary_step"))
    assert pause is not None
    assert pause.strategy == "canary"
    assert pause.reasons == ("CanaryPauseStep",)
    assert pause.awaiting_promotion
    assert pause.new_pods_available  # setWeight 20 of 5 replicas: 1 canary pod, all available
    assert pause.step_index == 1


def test_canary_step_pods_not_available() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_canary_step"))
    obj["status"]["availableReplicas"] = 4
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.new_pods_available


def test_canary_step_pods_not_created() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_canary_step"))
    obj["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": 60}  # needs 3 canary pods
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.new_pods_available


def test_canary_set_canary_scale_replicas() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_canary_step"))
    obj["spec"]["strategy"]["canary"]["steps"][0] = {"setCanaryScale": {"replicas": 2}}
    pause = rollout_pause_state(obj)
    assert pause is not None and not pause.new_pods_available
    obj["status"]["updatedReplicas"] = 2
    pause = rollout_pause_state(obj)
    assert pause is not None and pause.new_pods_available


def test_canary_timed_pause_is_not_awaiting_promotion() -> None:
    pause = rollout_pause_state(load("rollout/progressing_paused_canary_timed_step"))
    assert pause is not None
    assert not pause.awaiting_promotion
    assert pause.step_index == 3


def test_manual_pause() -> None:
    pause = rollout_pause_state(load("rollout/progressing_paused_manually"))
    assert pause is not None
    assert pause.manual
    assert pause.reasons == ("spec.paused",)
    assert not pause.awaiting_promotion


def test_not_paused() -> None:
    assert rollout_pause_state(load("rollout/healthy_bluegreen_fully_promoted")) is None
    assert rollout_pause_state(load("rollout/progressing_without_status")) is None


def test_aborted_is_not_a_pause() -> None:
    obj = copy.deepcopy(load("rollout/degraded_aborted_canary"))
    obj["status"]["pauseConditions"] = [{"reason": "CanaryPauseStep"}]
    assert rollout_pause_state(obj) is None
    health = assess(obj)
    assert health is not None and health.status is HealthStatus.DEGRADED


def test_stale_pause_from_an_older_generation_is_ignored() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_bluegreen"))
    obj["metadata"]["generation"] = 5  # new spec applied, status still from generation 4
    assert rollout_pause_state(obj) is None


def test_stale_pause_from_an_older_workload_generation_is_ignored() -> None:
    obj = copy.deepcopy(load("rollout/progressing_paused_canary_step"))
    obj["metadata"]["annotations"] = {"rollout.argoproj.io/workload-generation": "9"}
    obj["status"]["workloadObservedGeneration"] = "8"
    assert rollout_pause_state(obj) is None
    obj["status"]["workloadObservedGeneration"] = "9"
    assert rollout_pause_state(obj) is not None


def test_legacy_status_without_phase() -> None:
    pause = rollout_pause_state(load("rollout/progressing_legacy_paused_bluegreen"))
    assert pause is not None and pause.awaiting_promotion and pause.new_pods_available


def test_message_explains_the_pause() -> None:
    pause = rollout_pause_state(load("rollout/progressing_paused_canary_step"))
    assert pause is not None
    assert pause.message.startswith("Rollout is paused (CanaryPauseStep) at step 2 of 4")
    assert "awaiting promotion" in pause.message


def test_tolerates_garbage() -> None:
    garbage = {
        "kind": "Rollout",
        "metadata": {"generation": "x"},
        "spec": {"paused": "yes", "strategy": {"canary": {"steps": "nope"}}},
        "status": {"pauseConditions": [None, {"reason": 3}], "currentStepIndex": 99},
    }
    pause = rollout_pause_state(garbage)
    assert pause is not None
    assert pause.reasons == ("3",)
    assert not pause.new_pods_available
