"""Prometheus Operator (monitoring.coreos.com): Prometheus and Alertmanager.

The operator reports `Reconciled` (it could turn the spec into a StatefulSet) and
`Available` (``"True"``, ``"False"`` or ``"Degraded"`` when only some replicas run).
A StatefulSet rolling its pods passes through False and Degraded, and the condition
cannot tell that from a crashing pod, so both are Progressing; a failed reconcile is
Degraded. `spec.paused: true` stops the operator: Suspended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import flag
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    condition,
    condition_behind,
    describe,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

GROUP = "monitoring.coreos.com"


def prometheus_object(obj: Mapping[str, Any]) -> Health:
    if flag(obj, "spec", "paused"):
        return suspended("Reconciliation is paused")
    reconciled = condition(obj, "Reconciled")
    available = condition(obj, "Available")
    if reconciled is None or available is None:
        return progressing("Waiting for the operator to reconcile")
    if condition_behind(obj, reconciled) or condition_behind(obj, available):
        return progressing("Waiting for the operator to reconcile the new spec")
    if reconciled.get("status") == FALSE:
        return degraded(describe(reconciled) or "Reconcile failed")
    if available.get("status") == TRUE:
        return healthy(describe(available))
    return progressing(describe(available) or "Waiting for replicas to become available")


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Prometheus"): prometheus_object,
    (GROUP, "Alertmanager"): prometheus_object,
}
