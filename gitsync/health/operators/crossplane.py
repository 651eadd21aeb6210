"""Crossplane: managed resources of any provider, composites, claims, and packages.

Provider API groups are open-ended (`ec2.aws.upbound.io`, `kubernetes.crossplane.io`,
...), so besides `CHECKS` this module offers `match`, which answers for any group under
``crossplane.io`` or ``upbound.io``. Composites and claims of your own XRDs live in your
groups: register `resource` for them (see docs/health.md).

Managed resources, composites and claims report `Synced` (the last reconcile worked)
and `Ready` (the external resource is usable). Packages (Provider, Configuration,
Function) report `Installed` and `Healthy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import conditions, text
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    annotation,
    condition,
    condition_behind,
    describe,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

PAUSED = "crossplane.io/paused"
_PKG = "pkg.crossplane.io"
_APIEXT = "apiextensions.crossplane.io"
_GROUP_SUFFIXES = (".crossplane.io", ".upbound.io")

# Configuration kinds that carry no status worth judging: Healthy when they have none.
_CONFIG_KIND_SUFFIXES = ("ProviderConfig", "ProviderConfigUsage", "StoreConfig")
_CONFIG_KINDS = frozenset(
    {
        "Composition",
        "CompositionRevision",
        "EnvironmentConfig",
        "ControllerConfig",
        "DeploymentRuntimeConfig",
        "ImageConfig",
        "Lock",
    }
)


def _is_config(kind: str) -> bool:
    return kind in _CONFIG_KINDS or kind.endswith(_CONFIG_KIND_SUFFIXES)


def resource(obj: Mapping[str, Any]) -> Health:
    """A managed resource, composite resource or claim (`Synced` and `Ready`)."""
    if annotation(obj, PAUSED).strip().lower() == "true":
        return suspended("Reconciliation is paused")
    if not conditions(obj) and _is_config(text(obj, "kind")):
        return healthy()
    synced = condition(obj, "Synced")
    if synced is not None and synced.get("status") == FALSE:
        if text(synced, "reason") == "ReconcilePaused":
            return suspended(describe(synced))
        return degraded(describe(synced) or "Synced is False")
    async_op = condition(obj, "LastAsyncOperation")
    if async_op is not None and async_op.get("status") == FALSE:
        return degraded(describe(async_op) or "The last asynchronous operation failed")
    ready = condition(obj, "Ready")
    if ready is None:
        return progressing("Waiting for the resource to become ready")
    if condition_behind(obj, ready):
        return progressing("Waiting for Crossplane to reconcile the new spec")
    if ready.get("status") == TRUE and (synced is None or synced.get("status") == TRUE):
        return healthy(describe(ready))
    return progressing(describe(ready) or "Waiting for the resource to become ready")


# A package's runtime Deployment that is not yet available is reported as an unhealthy
# revision; that is the start-up of a provider, not a failure (as for a Deployment).
_STARTING = "does not have minimum availability"


def package(obj: Mapping[str, Any]) -> Health:
    """Provider, Configuration, Function and their revisions (`Installed`, `Healthy`)."""
    installed = condition(obj, "Installed")
    health = condition(obj, "Healthy")
    if health is not None and health.get("status") == FALSE:
        why = describe(health)
        if _STARTING in why:
            return progressing(why)
        return degraded(why or "The package is unhealthy")
    if installed is not None and installed.get("status") == FALSE:
        return progressing(describe(installed) or "Installing the package")
    if installed is None and text(obj, "kind").endswith("Revision"):
        installed = health  # revisions report Healthy only
    if installed is None or health is None:
        return progressing("Waiting for the package to be installed")
    if condition_behind(obj, health) or condition_behind(obj, installed):
        return progressing("Waiting for Crossplane to install the new spec")
    if installed.get("status") == TRUE and health.get("status") == TRUE:
        return healthy(describe(health))
    return progressing(describe(health) or "Waiting for the package to become healthy")


def definition(obj: Mapping[str, Any]) -> Health:
    """CompositeResourceDefinition: `Established`, and `Offered` when it offers a claim."""
    established = condition(obj, "Established")
    if established is None or established.get("status") != TRUE:
        return progressing(describe(established) or "Waiting for the CRD to be established")
    if text(obj, "spec", "claimNames", "kind"):
        offered = condition(obj, "Offered")
        if offered is None or offered.get("status") != TRUE:
            return progressing(describe(offered) or "Waiting for the claim CRD to be offered")
    return healthy(describe(established))


CHECKS: dict[tuple[str, str], Check] = {
    (_PKG, "Provider"): package,
    (_PKG, "Configuration"): package,
    (_PKG, "Function"): package,
    (_PKG, "ProviderRevision"): package,
    (_PKG, "ConfigurationRevision"): package,
    (_PKG, "FunctionRevision"): package,
    (_APIEXT, "CompositeResourceDefinition"): definition,
}


def match(group: str, kind: str) -> Check | None:
    """The check for a kind in an open-ended Crossplane or Upbound provider group."""
    del kind  # every kind in these groups follows the same conventions
    if group.endswith(_GROUP_SUFFIXES):
        return resource
    return None
