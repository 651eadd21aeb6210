"""KEDA (keda.sh): ScaledObject and ScaledJob.

Paused autoscaling (annotation `autoscaling.keda.sh/paused: "true"`, or
`autoscaling.keda.sh/paused-replicas` on a ScaledObject) is Suspended. A ScaledObject
whose HPA has no metrics yet (`Ready=False`, reason `HPAMetricsUnavailable`, common
right after creation) is Progressing. A `Fallback=True` condition means a scaler keeps
failing and the fallback replica count is in use: Degraded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import mapping
from gitsync.health.operators.conditions_util import (
    annotation,
    condition,
    describe,
    is_true,
    ready_health,
)
from gitsync.health.types import Check, Health, degraded, suspended
from gitsync.model.enums import HealthStatus

GROUP = "keda.sh"
PAUSED = "autoscaling.keda.sh/paused"
PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas"
_TRANSIENT = frozenset({"HPAMetricsUnavailable"})


def _paused(obj: Mapping[str, Any]) -> Health | None:
    if annotation(obj, PAUSED).strip().lower() == "true":
        return suspended("Autoscaling is paused")
    if PAUSED_REPLICAS in mapping(obj, "metadata", "annotations"):
        return suspended(f"Autoscaling is paused at {annotation(obj, PAUSED_REPLICAS)} replicas")
    if is_true(obj, "Paused"):
        return suspended(describe(condition(obj, "Paused")) or "Autoscaling is paused")
    return None


def scaled_object(obj: Mapping[str, Any]) -> Health:
    paused = _paused(obj)
    if paused is not None:
        return paused
    health = ready_health(obj, waiting="Waiting for KEDA", transient_reasons=_TRANSIENT)
    if health.status is HealthStatus.HEALTHY and is_true(obj, "Fallback"):
        return degraded(describe(condition(obj, "Fallback")) or "A trigger is falling back")
    return health


def scaled_job(obj: Mapping[str, Any]) -> Health:
    paused = _paused(obj)
    if paused is not None:
        return paused
    return ready_health(obj, waiting="Waiting for KEDA")


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "ScaledObject"): scaled_object,
    (GROUP, "ScaledJob"): scaled_job,
}
