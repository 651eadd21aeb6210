"""The patches of promote / abort / retry, as `kubectl argo rollouts` sends them."""

from __future__ import annotations

from typing import Any

import yaml

from gitsync.rollouts import ABORT, RETRY, Patches, promote_patches


def _rollout(text: str) -> dict[str, Any]:
    found = yaml.safe_load(text)
    assert isinstance(found, dict)
    return found


def test_promote_clears_pause_conditions() -> None:
    ro = _rollout(
        """
spec: {strategy: {blueGreen: {activeService: a}}}
status: {pauseConditions: [{reason: BlueGreenPause}], currentPodHash: b, stableRS: a}
"""
    )
    assert promote_patches(ro) == Patches(status={"status": {"pauseConditions": None}})


def test_promote_unpauses_a_manually_paused_rollout() -> None:
    ro = _rollout("spec: {paused: true, strategy: {blueGreen: {}}}\nstatus: {}")
    assert promote_patches(ro) == Patches(spec={"spec": {"paused": False}})


def test_promote_of_a_canary_between_pauses_moves_one_step() -> None:
    ro = _rollout(
        """
spec: {strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}, {setWeight: 50}]}}}
status: {currentStepIndex: 2}
"""
    )
    wanted = {"status": {"pauseConditions": None, "currentStepIndex": 3}}
    assert promote_patches(ro) == Patches(status=wanted)


def test_full_promotion_only_when_not_yet_stable() -> None:
    moving = _rollout("status: {currentPodHash: b, stableRS: a}")
    assert promote_patches(moving, full=True) == Patches(status={"status": {"promoteFull": True}})
    done = _rollout("status: {currentPodHash: a, stableRS: a}")
    assert promote_patches(done, full=True) == Patches()


def test_abort_and_retry() -> None:
    assert Patches(status={"status": {"abort": True}}) == ABORT
    assert Patches(status={"status": {"abort": False}}) == RETRY
