"""External Secrets Operator (external-secrets.io).

Every kind reports a `Ready` condition. An ExternalSecret also records the spec it last
synced in `status.syncedResourceVersion` (``<generation>-<hash>``), so a spec change
that has not been synced yet shows as Progressing even while `Ready` is still True.
A ClusterExternalSecret lists the namespaces where its ExternalSecret could not be made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import items, optional_integer, text
from gitsync.health.operators.conditions_util import condition, describe, is_true, ready_health
from gitsync.health.types import Check, Health, degraded, progressing

GROUP = "external-secrets.io"
_LISTED_NAMESPACES = 5


def _synced_generation(obj: Mapping[str, Any]) -> int | None:
    version = text(obj, "status", "syncedResourceVersion")
    head = version.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def external_secret(obj: Mapping[str, Any]) -> Health:
    synced = _synced_generation(obj)
    generation = optional_integer(obj, "metadata", "generation")
    if synced is not None and generation is not None and synced < generation:
        return progressing("Waiting for the new spec to be synced")
    return ready_health(obj, waiting="Waiting for the secret to be synced")


def cluster_external_secret(obj: Mapping[str, Any]) -> Health:
    failed = items(obj, "status", "failedNamespaces")
    if failed:
        listed = ", ".join(
            f"{text(entry, 'namespace')} ({text(entry, 'reason')})".replace(" ()", "")
            for entry in failed[:_LISTED_NAMESPACES]
        )
        more = (
            f" and {len(failed) - _LISTED_NAMESPACES} more"
            if len(failed) > _LISTED_NAMESPACES
            else ""
        )
        return degraded(f"Failed in namespaces: {listed}{more}")
    # Releases before the Ready condition reported NotReady / PartiallyReady instead.
    for ctype in ("NotReady", "PartiallyReady"):
        if is_true(obj, ctype):
            return degraded(describe(condition(obj, ctype)) or ctype)
    return ready_health(obj, waiting="Waiting for the ExternalSecrets to be created")


def secret_store(obj: Mapping[str, Any]) -> Health:
    return ready_health(obj, waiting="Waiting for the store to be validated")


def push_secret(obj: Mapping[str, Any]) -> Health:
    return ready_health(obj, waiting="Waiting for the secret to be pushed")


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "ExternalSecret"): external_secret,
    (GROUP, "ClusterExternalSecret"): cluster_external_secret,
    (GROUP, "SecretStore"): secret_store,
    (GROUP, "ClusterSecretStore"): secret_store,
    (GROUP, "PushSecret"): push_secret,
}
