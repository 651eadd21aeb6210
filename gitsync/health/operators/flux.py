"""Flux (*.toolkit.fluxcd.io): sources, Kustomizations, HelmReleases, image automation.

Flux follows the kstatus conventions: `Ready`, plus `Reconciling` while it works and
`Stalled` when it has given up until the spec changes. `spec.suspend: true` stops
reconciliation: Suspended. A `reconcile.fluxcd.io/requestedAt` annotation that
`status.lastHandledReconcileAt` has not caught up with is a reconcile still to come.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import conditions, flag, text
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    annotation,
    condition,
    condition_behind,
    describe,
    is_true,
    status_behind,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"

# Ready=False reasons that only say "not yet": a dependency is still being reconciled.
_WAITING_REASONS = frozenset({"DependencyNotReady"})


def flux_object(obj: Mapping[str, Any]) -> Health:
    if flag(obj, "spec", "suspend"):
        return suspended("Reconciliation is suspended")
    reconciling = condition(obj, "Reconciling")
    working = reconciling is not None and reconciling.get("status") == TRUE
    if status_behind(obj):
        return progressing(
            describe(reconciling) if working else "Waiting for Flux to reconcile the new spec"
        )
    requested = annotation(obj, REQUESTED_AT)
    if requested and requested != text(obj, "status", "lastHandledReconcileAt"):
        return progressing(f"Reconcile requested at {requested}")
    if is_true(obj, "Stalled"):
        return degraded(describe(condition(obj, "Stalled")) or "Stalled")
    ready = condition(obj, "Ready")
    if ready is None:
        return progressing("Waiting for Flux to reconcile")
    if condition_behind(obj, ready):
        return progressing("Waiting for Flux to reconcile the new spec")
    why = describe(ready)
    if ready.get("status") == TRUE:
        return healthy(why)
    if (
        ready.get("status") == FALSE
        and not working
        and text(ready, "reason") not in _WAITING_REASONS
    ):
        return degraded(why or "Ready is False")
    return progressing(why or "Reconciling")


def helm_repository(obj: Mapping[str, Any]) -> Health:
    # An OCI HelmRepository is only a pointer for HelmCharts: recent source-controllers
    # do not reconcile it and leave it without conditions.
    if (
        text(obj, "spec", "type") == "oci"
        and not conditions(obj)
        and not flag(obj, "spec", "suspend")
    ):
        return healthy("OCI repository (not reconciled by Flux)")
    return flux_object(obj)


_SOURCE = "source.toolkit.fluxcd.io"
_IMAGE = "image.toolkit.fluxcd.io"

CHECKS: dict[tuple[str, str], Check] = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): flux_object,
    ("kustomize.toolkit.fluxcd.io", "Kustomization"): flux_object,
    (_SOURCE, "GitRepository"): flux_object,
    (_SOURCE, "HelmRepository"): helm_repository,
    (_SOURCE, "OCIRepository"): flux_object,
    (_SOURCE, "Bucket"): flux_object,
    (_IMAGE, "ImageRepository"): flux_object,
    (_IMAGE, "ImagePolicy"): flux_object,
}
