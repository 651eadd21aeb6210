"""The merge patches `kubectl argo rollouts promote|abort|retry` send (pure).

Rollouts v0.10+ keep status behind the status subresource, so a promotion may need two
patches: one of the spec (``spec.paused``) and one of the status (pause conditions, the
canary step, ``promoteFull``, ``abort``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JsonObj = dict[str, Any]


@dataclass(frozen=True)
class Patches:
    """A merge patch for the spec and one for the status subresource (either may be absent)."""

    spec: JsonObj | None = None
    status: JsonObj | None = None


ABORT = Patches(status={"status": {"abort": True}})
RETRY = Patches(status={"status": {"abort": False}})


def _get(obj: Mapping[str, Any], *path: str) -> Any:
    found: Any = obj
    for key in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(key)
    return found


def promote_patches(rollout: Mapping[str, Any], full: bool = False) -> Patches:
    """What a promotion writes.

    ``--full``: ``status.promoteFull`` (nothing when the current version is already stable).
    Otherwise: clear ``spec.paused`` when set, and clear ``status.pauseConditions`` when
    there are any; a canary without pause conditions (in the middle of a step) moves on
    to the next step instead.
    """
    if full:
        current = _get(rollout, "status", "currentPodHash")
        if current != _get(rollout, "status", "stableRS"):
            return Patches(status={"status": {"promoteFull": True}})
        return Patches()
    spec = {"spec": {"paused": False}} if _get(rollout, "spec", "paused") else None
    if _get(rollout, "status", "pauseConditions"):
        return Patches(spec=spec, status={"status": {"pauseConditions": None}})
    steps = _get(rollout, "spec", "strategy", "canary", "steps")
    is_canary = _get(rollout, "spec", "strategy", "canary") is not None
    if is_canary and isinstance(steps, list) and steps:
        index = _get(rollout, "status", "currentStepIndex")
        index = index if isinstance(index, int) and not isinstance(index, bool) else 0
        if index < len(steps):
            index += 1
        status = {"status": {"pauseConditions": None, "currentStepIndex": index}}
        return Patches(spec=spec, status=status)
    return Patches(spec=spec)
