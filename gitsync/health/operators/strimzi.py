"""Strimzi (kafka.strimzi.io): Kafka, KafkaTopic, KafkaUser, KafkaConnect.

The operators write `Ready=True` after a successful reconcile, and either
`NotReady=True` or `Ready=False` with the error after a failed one; `Warning`
conditions sit beside them (deprecations) and do not change the verdict. A Kafka
cluster being created first shows `NotReady` with reason `Creating`. The annotation
`strimzi.io/pause-reconciliation: "true"` (condition `ReconciliationPaused`) is
Suspended; a KafkaTopic the operator does not manage (`Unmanaged`) is Healthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import conditions, items, text
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    annotation,
    condition,
    describe,
    is_true,
    status_behind,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

GROUP = "kafka.strimzi.io"
PAUSE = "strimzi.io/pause-reconciliation"
_IN_PROGRESS_REASONS = frozenset({"Creating"})


def strimzi_object(obj: Mapping[str, Any]) -> Health:
    if annotation(obj, PAUSE).strip().lower() == "true" or is_true(obj, "ReconciliationPaused"):
        return suspended("Reconciliation is paused")
    if not conditions(obj):
        return progressing("Waiting for the operator to reconcile")
    if status_behind(obj):
        return progressing("Waiting for the operator to reconcile the new spec")
    not_ready = condition(obj, "NotReady")
    if not_ready is not None and not_ready.get("status") == TRUE:
        if text(not_ready, "reason") in _IN_PROGRESS_REASONS:
            return progressing(describe(not_ready))
        return degraded(describe(not_ready) or "NotReady")
    ready = condition(obj, "Ready")
    if ready is not None and ready.get("status") == FALSE:
        return degraded(describe(ready) or "Ready is False")
    if ready is not None and ready.get("status") == TRUE:
        warnings = [c for c in items(obj, "status", "conditions") if c.get("type") == "Warning"]
        return healthy(f"{len(warnings)} warning(s)" if warnings else "")
    if is_true(obj, "Unmanaged"):
        return healthy("Not managed by the topic operator")
    return progressing("Waiting for the operator to reconcile")


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Kafka"): strimzi_object,
    (GROUP, "KafkaTopic"): strimzi_object,
    (GROUP, "KafkaUser"): strimzi_object,
    (GROUP, "KafkaConnect"): strimzi_object,
}
