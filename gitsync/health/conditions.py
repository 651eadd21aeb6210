"""Health of a custom resource that has no check but follows the Kubernetes conditions
conventions (what Flux calls kstatus).

In order:
1. ``status.observedGeneration`` present and behind ``metadata.generation`` -> Progressing;
2. ``Stalled`` True -> Degraded;
3. ``Reconciling`` True -> Progressing;
4. ``Ready`` (or, without one, ``Available``): True -> Healthy, False -> Degraded with
   its reason and message, Unknown -> Progressing;
5. otherwise no health, as for any kind without a check.

Core Kubernetes kinds never get here: their health is the built-in checks' or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, integer, optional_integer
from gitsync.health.types import Health, degraded, healthy, progressing

# API groups served by Kubernetes itself (not by a CRD).
CORE_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "extensions",
        "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)


def is_custom(group: str) -> bool:
    """True for a kind that a CRD (or an aggregated API) serves."""
    return group not in CORE_GROUPS


def _is(cond: Mapping[str, Any] | None, value: str) -> bool:
    return cond is not None and str(cond.get("status", "")).lower() == value.lower()


def _said(cond: Mapping[str, Any], fallback: str) -> str:
    reason = str(cond.get("reason") or "")
    message = str(cond.get("message") or "")
    if reason and message:
        return f"{reason}: {message}"
    return reason or message or fallback


def conditions_health(obj: Mapping[str, Any]) -> Health | None:
    """The health the conditions conventions give `obj`, or None when it has none."""
    observed = optional_integer(obj, "status", "observedGeneration")
    generation = integer(obj, "metadata", "generation")
    if observed is not None and observed < generation:
        return progressing(
            f"waiting for the controller to observe generation {generation} (at {observed})"
        )
    stalled = condition(obj, "Stalled")
    if stalled is not None and _is(stalled, "True"):
        return degraded(_said(stalled, "Stalled"))
    reconciling = condition(obj, "Reconciling")
    if reconciling is not None and _is(reconciling, "True"):
        return progressing(_said(reconciling, "Reconciling"))
    ready = condition(obj, "Ready") or condition(obj, "Available")
    if ready is None:
        return None
    if _is(ready, "True"):
        return healthy(str(ready.get("message") or ""))
    if _is(ready, "False"):
        return degraded(_said(ready, f"{ready.get('type')} is False"))
    return progressing(_said(ready, f"{ready.get('type')} is {ready.get('status') or 'unset'}"))
