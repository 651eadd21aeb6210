"""Why an Argo Rollout is paused, in a form the sync engine can act on.

Argo CD calls a paused Rollout Suspended, which keeps a sync running until someone
promotes it by hand, so PostSync hooks (tests against the preview, then promotion) never
run. gitsync reports the pause as Progressing and lets the sync engine decide, from this
structure, whether the Rollout may complete its sync wave at the pause.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.health.fields import (
    condition,
    flag,
    integer,
    items,
    mapping,
    optional_integer,
    text,
    value,
)

BLUE_GREEN = "blueGreen"
CANARY = "canary"
WORKLOAD_GENERATION = "rollout.argoproj.io/workload-generation"
MANUAL_PAUSE = "spec.paused"


@dataclass(frozen=True)
class RolloutPause:
    """A paused Rollout.

    `reasons`: ``status.pauseConditions[].reason`` in order (``BlueGreenPause``,
    ``CanaryPauseStep``, ``InconclusiveAnalysis``...), plus ``spec.paused`` when a person
    paused it (`manual`).
    `awaiting_promotion`: the pause only ends with a promotion (blue-green with
    ``autoPromotionEnabled: false``, or a canary at a ``pause: {}`` step without duration).
    `new_pods_available`: the pods of the new revision are up (blue-green: the preview
    Service selects the current pod hash and the updated and available counts reach the
    desired count; Argo Rollouts reports `availableReplicas` of the active ReplicaSet, so
    the preview's own readiness is implied by the controller reaching BlueGreenPause only
    once the preview ReplicaSet is ready; canary: the step's share of updated pods exists
    and every pod of the Rollout is available).
    `step_index`: canary only, ``status.currentStepIndex`` (the step it is paused at).
    """

    strategy: str
    reasons: tuple[str, ...]
    manual: bool
    awaiting_promotion: bool
    new_pods_available: bool
    step_index: int | None = None
    step_count: int | None = None

    @property
    def message(self) -> str:
        """One line for people: ``Rollout is paused (BlueGreenPause): awaiting promotion...``."""
        why = ", ".join(self.reasons) or "no reason given"
        where = ""
        if self.step_index is not None and self.step_count:
            where = f" at step {self.step_index + 1} of {self.step_count}"
        details = ["awaiting promotion" if self.awaiting_promotion else "will resume by itself"]
        if self.manual:
            details[0] = "until spec.paused is cleared"
        details.append("new pods available" if self.new_pods_available else "new pods not ready")
        return f"Rollout is paused ({why}){where}: {'; '.join(details)}"


def strategy_of(obj: Mapping[str, Any]) -> str:
    strategy = mapping(obj, "spec", "strategy")
    if BLUE_GREEN in strategy:
        return BLUE_GREEN
    if CANARY in strategy:
        return CANARY
    return ""


def generation_observed(obj: Mapping[str, Any]) -> bool:
    """The controller has seen the current spec.

    Rollouts before v0.10 stored a hash in ``status.observedGeneration``: anything that is
    not a number, or a number above the generation, counts as observed (as Argo CD does).
    """
    observed = optional_integer(obj, "status", "observedGeneration")
    generation = integer(obj, "metadata", "generation")
    if observed is None or observed > generation:
        return True
    return observed == generation


def workload_generation_observed(obj: Mapping[str, Any]) -> bool:
    """With ``spec.workloadRef`` the pod template lives in a Deployment; the controller
    copies its generation into an annotation and reports what it saw in status."""
    wanted = mapping(obj, "metadata", "annotations").get(WORKLOAD_GENERATION)
    if wanted is None:
        return True
    seen = text(obj, "status", "workloadObservedGeneration")
    return str(wanted).strip() == seen.strip()


def is_aborted(obj: Mapping[str, Any]) -> bool:
    progress = condition(obj, "Progressing")
    return flag(obj, "status", "abort") or (
        progress is not None and progress.get("reason") == "RolloutAborted"
    )


def describe_pause(obj: Mapping[str, Any]) -> RolloutPause | None:
    """The pause as the status shows it, without asking whether that status is current."""
    reasons = tuple(text(c, "reason") or "Paused" for c in items(obj, "status", "pauseConditions"))
    manual = flag(obj, "spec", "paused")
    if not reasons and not manual:
        return None
    strategy = strategy_of(obj)
    if manual:
        reasons = (*reasons, MANUAL_PAUSE)
    if strategy == BLUE_GREEN:
        return RolloutPause(
            strategy=strategy,
            reasons=reasons,
            manual=manual,
            awaiting_promotion="BlueGreenPause" in reasons
            and value(obj, "spec", "strategy", BLUE_GREEN, "autoPromotionEnabled") is False,
            new_pods_available=_preview_available(obj),
        )
    if strategy == CANARY:
        steps = items(obj, "spec", "strategy", CANARY, "steps")
        index = optional_integer(obj, "status", "currentStepIndex")
        step = steps[index] if index is not None and 0 <= index < len(steps) else {}
        pause = value(step, "pause")
        indefinite = isinstance(pause, Mapping) and pause.get("duration") in (None, "")
        return RolloutPause(
            strategy=strategy,
            reasons=reasons,
            manual=manual,
            awaiting_promotion="CanaryPauseStep" in reasons and indefinite,
            new_pods_available=_canary_available(obj, steps, index),
            step_index=index,
            step_count=len(steps),
        )
    return RolloutPause(strategy, reasons, manual, False, False)


def rollout_pause_state(obj: Mapping[str, Any]) -> RolloutPause | None:
    """Whether a Rollout is paused at its current spec, and why.

    None when it is not paused, when it is aborted (that is a failure, not a pause), or
    when its status still describes an older spec: a pause left over from the previous
    revision must not let the new one through.
    """
    if not mapping(obj, "status"):
        return None
    if not generation_observed(obj) or not workload_generation_observed(obj):
        return None
    if is_aborted(obj):
        return None
    return describe_pause(obj)


def _preview_available(obj: Mapping[str, Any]) -> bool:
    current = text(obj, "status", "currentPodHash")
    preview = text(obj, "status", "blueGreen", "previewSelector")
    if not current or preview != current:
        return False
    wanted = optional_integer(obj, "spec", "strategy", BLUE_GREEN, "previewReplicaCount")
    if wanted is None:
        wanted = integer(obj, "spec", "replicas", default=1)
    updated = integer(obj, "status", "updatedReplicas")
    available = integer(obj, "status", "availableReplicas")
    return updated >= wanted and available >= wanted


def _canary_weight(steps: list[Mapping[str, Any]], index: int) -> tuple[int | None, int | None]:
    """(weight percent, explicit replica count) in force when paused at steps[index]."""
    weight: int | None = None
    replicas: int | None = None
    for step in steps[:index]:
        if "setWeight" in step:
            weight = optional_integer(step, "setWeight")
        scale = mapping(step, "setCanaryScale")
        if scale:
            if "replicas" in scale:
                replicas = optional_integer(scale, "replicas")
            elif "weight" in scale:
                weight, replicas = optional_integer(scale, "weight"), None
            elif flag(scale, "matchTrafficWeight"):
                replicas = None
    return weight, replicas


def _canary_available(
    obj: Mapping[str, Any], steps: list[Mapping[str, Any]], index: int | None
) -> bool:
    if not text(obj, "status", "currentPodHash"):
        return False
    total = integer(obj, "spec", "replicas", default=1)
    weight, replicas = _canary_weight(steps, index if index is not None else len(steps))
    if replicas is None:
        replicas = total if weight is None else math.ceil(total * weight / 100)
    updated = integer(obj, "status", "updatedReplicas")
    # status.availableReplicas counts every ReplicaSet of the Rollout: when all its pods
    # are available, the updated ones are too.
    everything_available = integer(obj, "status", "availableReplicas") >= integer(
        obj, "status", "replicas"
    )
    return updated >= replicas and everything_available
