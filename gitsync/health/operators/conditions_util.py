"""Reading the status conditions operators write (Kubernetes API conventions).

Most operators report through `status.conditions`: a `type`, a `status` of
``"True"``, ``"False"`` or ``"Unknown"``, a `reason`, a `message`, and often the
`observedGeneration` the condition was computed for. These helpers keep the per-project
checks short and make them agree on what "stale" and "failed" mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, mapping, optional_integer, text
from gitsync.health.types import Health, degraded, healthy, progressing

TRUE = "True"
FALSE = "False"

__all__ = [
    "FALSE",
    "TRUE",
    "annotation",
    "condition",
    "condition_behind",
    "describe",
    "is_false",
    "is_true",
    "ready_health",
    "status_behind",
]


def is_true(obj: Mapping[str, Any], ctype: str) -> bool:
    found = condition(obj, ctype)
    return found is not None and found.get("status") == TRUE


def is_false(obj: Mapping[str, Any], ctype: str) -> bool:
    found = condition(obj, ctype)
    return found is not None and found.get("status") == FALSE


def describe(cond: Mapping[str, Any] | None) -> str:
    """``reason: message`` (or whichever of the two is set)."""
    if cond is None:
        return ""
    reason = text(cond, "reason").strip()
    message = text(cond, "message").strip()
    if reason and message:
        return f"{reason}: {message}"
    return reason or message


def annotation(obj: Mapping[str, Any], key: str) -> str:
    return text(mapping(obj, "metadata", "annotations"), key)


def _generation(obj: Mapping[str, Any]) -> int | None:
    return optional_integer(obj, "metadata", "generation")


def status_behind(obj: Mapping[str, Any]) -> bool:
    """`status.observedGeneration` is set and older than `metadata.generation`.

    An absent observedGeneration is not "behind": several operators never write it.
    """
    observed = optional_integer(obj, "status", "observedGeneration")
    generation = _generation(obj)
    return observed is not None and generation is not None and observed < generation


def condition_behind(obj: Mapping[str, Any], cond: Mapping[str, Any]) -> bool:
    """The condition carries an observedGeneration older than the object's generation."""
    observed = optional_integer(cond, "observedGeneration")
    generation = _generation(obj)
    return observed is not None and generation is not None and observed < generation


def ready_health(
    obj: Mapping[str, Any],
    *,
    waiting: str,
    ctype: str = "Ready",
    transient_reasons: frozenset[str] = frozenset(),
) -> Health:
    """Health from one readiness condition.

    Missing, stale (computed for an older generation) or Unknown -> Progressing;
    True -> Healthy; False -> Degraded, unless its reason is one the operator reports on
    the way to ready (`transient_reasons`), which is Progressing.
    """
    cond = condition(obj, ctype)
    if cond is None:
        return progressing(waiting)
    if condition_behind(obj, cond):
        return progressing(f"{ctype} condition is for an older generation; {waiting.lower()}")
    status = cond.get("status")
    why = describe(cond)
    if status == TRUE:
        return healthy(why)
    if status == FALSE and text(cond, "reason") not in transient_reasons:
        return degraded(why or f"{ctype} is False")
    return progressing(why or waiting)
