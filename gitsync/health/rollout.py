"""Argo Rollouts: Rollout and AnalysisRun (argo-cd resource_customizations/argoproj.io).

One deliberate difference from Argo CD: a paused Rollout is Progressing, not Suspended,
with a message saying why it is paused (see rollout_pause.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, conditions, integer, items, mapping, text
from gitsync.health.rollout_pause import (
    BLUE_GREEN,
    CANARY,
    describe_pause,
    generation_observed,
    is_aborted,
    strategy_of,
    workload_generation_observed,
)
from gitsync.health.types import Health, degraded, healthy, progressing, unknown

_NOT_OBSERVED = "Waiting for rollout spec update to be observed"


def rollout(obj: Mapping[str, Any]) -> Health:
    status = mapping(obj, "status")
    if not status:
        return progressing(_NOT_OBSERVED)
    if not generation_observed(obj):
        return progressing(_NOT_OBSERVED)
    if not workload_generation_observed(obj):
        return progressing(f"{_NOT_OBSERVED} (referenced workload)")
    if status.get("controllerPause") is True and not items(status, "pauseConditions"):
        # Someone cleared the pause conditions; the controller has not reacted yet.
        return progressing("Waiting for rollout to unpause")
    if is_aborted(obj):
        return degraded(_aborted_message(obj))
    phase = text(status, "phase")
    if phase:
        return _from_phase(obj, phase, text(status, "message"))
    return _from_legacy_status(obj)


def _aborted_message(obj: Mapping[str, Any]) -> str:
    progress = condition(obj, "Progressing")
    said = str((progress or {}).get("message") or "") or text(obj, "status", "message")
    if "abort" in said.lower():
        return said
    return f"Rollout is aborted: {said}" if said else "Rollout is aborted"


def _paused(obj: Mapping[str, Any], fallback: str) -> Health:
    pause = describe_pause(obj)
    if pause is None:
        return progressing(f"Rollout is paused ({fallback or 'no reason given'})")
    return progressing(pause.message)


def _from_phase(obj: Mapping[str, Any], phase: str, message: str) -> Health:
    """Argo Rollouts >= 1.0 computes phase and message itself."""
    if phase == "Paused":
        return _paused(obj, message)
    if phase == "Healthy":
        return healthy(message)
    if phase == "Progressing":
        return progressing(message)
    if phase == "Degraded":
        return degraded(message)
    return unknown(f"Unknown Rollout phase {phase!r}")


def _from_legacy_status(obj: Mapping[str, Any]) -> Health:
    """Rollouts before v1.0 have no status.phase: work it out from the rest."""
    for cond in conditions(obj):
        if cond.get("type") == "InvalidSpec":
            return degraded(str(cond.get("message") or "InvalidSpec"))
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            return degraded(str(cond.get("message") or "ProgressDeadlineExceeded"))
    if describe_pause(obj) is not None:
        return _paused(obj, "")
    current = text(obj, "status", "currentPodHash")
    if not current:
        return progressing("Waiting for rollout to finish: status has not been reconciled")
    wanted = integer(obj, "spec", "replicas", default=1)
    replicas = integer(obj, "status", "replicas")
    updated = integer(obj, "status", "updatedReplicas")
    available = integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing("Waiting for roll out to finish: more replicas need to be updated")
    if available < updated:
        return progressing("Waiting for roll out to finish: updated replicas becoming available")
    # Rollouts v0.8 moved status.canary.stableRS to status.stableRS.
    stable = text(obj, "status", "stableRS") or text(obj, "status", "canary", "stableRS")
    strategy = strategy_of(obj)
    if strategy == BLUE_GREEN:
        if text(obj, "status", "blueGreen", "activeSelector") != current:
            return progressing("Active service cutover pending")
        if stable and stable != current:
            return progressing("Waiting for analysis to complete")
    elif strategy == CANARY:
        if replicas > updated:
            return progressing("Waiting for roll out to finish: old replicas pending termination")
        if stable != current:
            return progressing("Waiting for rollout to finish steps")
    return healthy()


def analysisrun(obj: Mapping[str, Any]) -> Health:
    phase = text(obj, "status", "phase")
    message = text(obj, "status", "message")
    if phase in ("", "Pending", "Running"):
        return progressing("Analysis run is running")
    if phase == "Successful":
        return healthy(message or "Analysis run completed successfully")
    if phase == "Failed":
        return degraded(message or "Analysis run failed")
    if phase == "Error":
        return degraded(message or "Analysis run had an error")
    if phase == "Inconclusive":
        return unknown(message or "Analysis run was inconclusive")
    return unknown(f"Unknown AnalysisRun phase {phase!r}")
