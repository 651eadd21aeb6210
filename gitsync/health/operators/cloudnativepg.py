"""CloudNativePG (postgresql.cnpg.io): Cluster.

The operator sums up a Cluster in `status.phase`, a sentence such as
``Cluster in healthy state`` or ``Creating a new replica``, with `status.phaseReason`.
Phases that wait for a person (or can never finish) are Degraded, and so is a failover:
the primary is gone and writes fail until a replica is promoted. Every other phase is
work in progress. A hibernated Cluster (annotation `cnpg.io/hibernation: "on"`, or the
`cnpg.io/hibernation` condition) and one whose reconciliation is switched off
(annotation `cnpg.io/reconciliationLoop: "disabled"`) are Suspended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import text
from gitsync.health.operators.conditions_util import annotation, is_true
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

GROUP = "postgresql.cnpg.io"
HIBERNATION = "cnpg.io/hibernation"
RECONCILIATION_LOOP = "cnpg.io/reconciliationLoop"
HEALTHY_PHASE = "Cluster in healthy state"

_FAILED_PHASES = frozenset(
    {
        "Cluster is in an unrecoverable state, needs manual intervention",
        "Cluster cannot proceed to reconciliation due to an unknown plugin being required",
        "Cluster cannot execute instance online upgrade due to missing architecture binary",
        "Unable to create required cluster objects",
        "Cluster upgrade failed",
        "Waiting for user action",
        "Failing over",
    }
)
# Later releases add failure phases in the same wording.
_FAILURE_WORDS = (
    "unrecoverable",
    "cannot ",
    "unable ",
    "failed",
    "invalid",
    "manual intervention",
)


def _failed(phase: str) -> bool:
    lowered = phase.lower()
    return phase in _FAILED_PHASES or any(word in lowered for word in _FAILURE_WORDS)


def cluster(obj: Mapping[str, Any]) -> Health:
    if annotation(obj, HIBERNATION).strip().lower() == "on" or is_true(obj, HIBERNATION):
        return suspended("Cluster is hibernated")
    if annotation(obj, RECONCILIATION_LOOP).strip().lower() == "disabled":
        return suspended("Reconciliation is disabled")
    phase = text(obj, "status", "phase")
    reason = text(obj, "status", "phaseReason")
    message = f"{phase}: {reason}" if phase and reason else phase
    if not phase:
        return progressing("Waiting for the operator to set up the cluster")
    if phase == HEALTHY_PHASE:
        return healthy(message)
    if _failed(phase):
        return degraded(message)
    return progressing(message)


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Cluster"): cluster,
}
