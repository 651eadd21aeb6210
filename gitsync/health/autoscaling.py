"""HorizontalPodAutoscalers (autoscaling/v1 keeps its conditions in an annotation)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import conditions, mapping
from gitsync.health.types import Health, degraded, healthy, progressing

_V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"

# (condition type, reason) pairs that mean the autoscaler cannot do its job.
_FAILURES = {
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "FailedGetContainerResourceMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "InvalidSelector"),
    ("ScalingActive", "InvalidMetricSourceType"),
}
_HEALTHY_TYPES = {"AbleToScale", "ScalingLimited"}


def _hpa_conditions(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = conditions(obj)
    if found:
        return found
    raw = mapping(obj, "metadata", "annotations").get(_V1_CONDITIONS)
    if not isinstance(raw, str):
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    return [c for c in parsed if isinstance(c, Mapping)] if isinstance(parsed, list) else []


def horizontalpodautoscaler(obj: Mapping[str, Any]) -> Health:
    found = _hpa_conditions(obj)
    # Any failure wins over a healthy condition listed before it (gitops-engine stops at
    # the first condition it recognises, which hides a metric failure behind AbleToScale).
    for cond in found:
        if (cond.get("type"), cond.get("reason")) in _FAILURES:
            return degraded(str(cond.get("message") or cond.get("reason")))
    for cond in found:
        if cond.get("type") in _HEALTHY_TYPES and cond.get("status") == "True":
            return healthy(str(cond.get("message") or ""))
    return progressing("Waiting to autoscale")
