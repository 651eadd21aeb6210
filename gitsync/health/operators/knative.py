"""Knative Serving (serving.knative.dev): Service, Route, Configuration, Revision.

Every kind reports a `Ready` condition and `status.observedGeneration`; `Ready=Unknown`
is Knative's "still working on it". A Revision scaled to zero stays Ready.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.operators.conditions_util import is_false, ready_health, status_behind
from gitsync.health.types import Check, Health, healthy, progressing
from gitsync.model.enums import HealthStatus

GROUP = "serving.knative.dev"


def knative_object(obj: Mapping[str, Any]) -> Health:
    if status_behind(obj):
        return progressing("Waiting for Knative to reconcile the new spec")
    return ready_health(obj, waiting="Waiting for Knative to reconcile")


def revision(obj: Mapping[str, Any]) -> Health:
    health = knative_object(obj)
    if health.status is HealthStatus.HEALTHY and is_false(obj, "Active"):
        return healthy("Scaled to zero")
    return health


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Service"): knative_object,
    (GROUP, "Route"): knative_object,
    (GROUP, "Configuration"): knative_object,
    (GROUP, "Revision"): revision,
}
