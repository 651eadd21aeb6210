"""Cluster API (cluster.x-k8s.io): Cluster, Machine, MachineDeployment.

Each kind sums itself up in `status.phase`. v1beta1 objects report failures in
`status.failureReason`/`failureMessage` and readiness in a `Ready` condition whose
`severity` says whether a False is an `Error`, a `Warning` or just `Info`; v1beta2
moves those under `status.deprecated.v1beta1`, reports `Available`, and says what it is
doing in `RollingOut`, `ScalingUp` and `ScalingDown` conditions. `spec.paused`, or the
`cluster.x-k8s.io/paused` annotation, stops the controllers: Suspended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import flag, mapping, optional_integer, text
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    condition,
    describe,
    status_behind,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended
from gitsync.model.enums import HealthStatus

GROUP = "cluster.x-k8s.io"
PAUSED = "cluster.x-k8s.io/paused"
_BUSY_CONDITIONS = ("RollingOut", "ScalingUp", "ScalingDown")


def _paused(obj: Mapping[str, Any]) -> bool:
    return flag(obj, "spec", "paused") or PAUSED in mapping(obj, "metadata", "annotations")


def _failure(obj: Mapping[str, Any]) -> str:
    for status in (mapping(obj, "status"), mapping(obj, "status", "deprecated", "v1beta1")):
        reason = text(status, "failureReason")
        message = text(status, "failureMessage")
        if reason or message:
            return f"{reason}: {message}".strip(": ")
    ready = condition(obj, "Ready")
    if ready is not None and ready.get("status") == FALSE and ready.get("severity") == "Error":
        return describe(ready) or "Ready is False with severity Error"
    return ""


def _not_done(obj: Mapping[str, Any]) -> str:
    """Why an object in its final phase is not done yet, or ``""``."""
    for ctype in ("Ready", "Available"):
        cond = condition(obj, ctype)
        if cond is not None and cond.get("status") == FALSE:
            return describe(cond) or f"{ctype} is False"
    for ctype in _BUSY_CONDITIONS:
        cond = condition(obj, ctype)
        if cond is not None and cond.get("status") == TRUE:
            return describe(cond) or ctype
    return ""


def _judge(obj: Mapping[str, Any], done_phase: str, what: str) -> Health:
    if _paused(obj):
        return suspended(f"{what} is paused")
    failure = _failure(obj)
    if failure:
        return degraded(failure)
    phase = text(obj, "status", "phase")
    if phase == "Failed":
        return degraded(f"{what} failed")
    if status_behind(obj):
        return progressing(f"Waiting for the controller to reconcile the new spec ({phase})")
    if phase != done_phase:
        return progressing(f"{what} is {phase}" if phase else f"Waiting for the {what} controller")
    not_done = _not_done(obj)
    if not_done:
        return progressing(not_done)
    return healthy(f"{what} is {phase}")


def cluster(obj: Mapping[str, Any]) -> Health:
    return _judge(obj, "Provisioned", "Cluster")


def machine(obj: Mapping[str, Any]) -> Health:
    return _judge(obj, "Running", "Machine")


def _short_of(obj: Mapping[str, Any], wanted: int) -> str:
    """How a MachineDeployment in phase Running still falls short of `spec.replicas`."""
    for field, what in (
        ("updatedReplicas", "updated"),
        ("upToDateReplicas", "up to date"),
        ("availableReplicas", "available"),
    ):
        count = optional_integer(obj, "status", field)
        if count is not None and count < wanted:
            return f"{count} of {wanted} machines {what}"
    return ""


def machine_deployment(obj: Mapping[str, Any]) -> Health:
    health = _judge(obj, "Running", "MachineDeployment")
    wanted = optional_integer(obj, "spec", "replicas")
    if health.status is HealthStatus.HEALTHY and wanted is not None:
        short = _short_of(obj, wanted)
        if short:
            return progressing(short)
    return health


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Cluster"): cluster,
    (GROUP, "Machine"): machine,
    (GROUP, "MachineDeployment"): machine_deployment,
}
