"""Deployments, StatefulSets, DaemonSets and ReplicaSets (gitops-engine's rules, kubectl's
`rollout status` logic): the controller must have seen the spec, then the pods must be
updated and available."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import (
    condition,
    flag,
    generation_observed,
    integer,
    text,
    value,
)
from gitsync.health.types import Health, degraded, healthy, progressing, suspended


def _replicas(obj: Mapping[str, Any]) -> int:
    # The API server defaults spec.replicas to 1; trimmed objects may leave it out.
    return integer(obj, "spec", "replicas", default=1)


def deployment(obj: Mapping[str, Any]) -> Health:
    if flag(obj, "spec", "paused"):
        return suspended("Deployment is paused")
    if not generation_observed(obj):
        return progressing("Waiting for the Deployment controller to observe the new spec")
    progress = condition(obj, "Progressing")
    if progress is not None and progress.get("reason") == "ProgressDeadlineExceeded":
        name = text(obj, "metadata", "name")
        return degraded(f"Deployment {name!r} exceeded its progress deadline")
    wanted = _replicas(obj)
    replicas = integer(obj, "status", "replicas")
    updated = integer(obj, "status", "updatedReplicas")
    available = integer(obj, "status", "availableReplicas")
    if updated < wanted:
        return progressing(f"Waiting for rollout: {updated} of {wanted} replicas updated")
    if replicas > updated:
        return progressing(
            f"Waiting for rollout: {replicas - updated} old replicas pending termination"
        )
    if available < updated:
        return progressing(
            f"Waiting for rollout: {available} of {updated} updated replicas available"
        )
    return healthy()


def statefulset(obj: Mapping[str, Any]) -> Health:
    observed = integer(obj, "status", "observedGeneration")
    if observed == 0 or not generation_observed(obj):
        return progressing("Waiting for the StatefulSet controller to observe the new spec")
    wanted = _replicas(obj)
    ready = integer(obj, "status", "readyReplicas")
    if ready < wanted:
        return progressing(f"Waiting for {wanted - ready} pods to be ready")
    strategy = text(obj, "spec", "updateStrategy", "type") or "RollingUpdate"
    updated = integer(obj, "status", "updatedReplicas")
    if strategy == "RollingUpdate" and value(obj, "spec", "updateStrategy", "rollingUpdate"):
        # Like gitops-engine, a RollingUpdate StatefulSet stops here: with a partition the
        # current and update revisions differ for good, so comparing them would never end.
        partition = integer(obj, "spec", "updateStrategy", "rollingUpdate", "partition")
        if updated < wanted - partition:
            return progressing(
                f"Waiting for partitioned rollout: {updated} of {wanted - partition} pods updated"
            )
        if partition:
            return healthy(f"Partitioned rollout complete: {updated} pods updated")
        return healthy(f"Rolling update complete: {updated} pods updated")
    if strategy == "OnDelete":
        return healthy(f"StatefulSet has {ready} ready pods")
    update_revision = text(obj, "status", "updateRevision")
    if update_revision != text(obj, "status", "currentRevision"):
        return progressing(
            f"Waiting for rolling update: {updated} pods at revision {update_revision}"
        )
    return healthy(f"Rolling update complete: {ready} pods at revision {update_revision}")


def daemonset(obj: Mapping[str, Any]) -> Health:
    if not generation_observed(obj):
        return progressing("Waiting for the DaemonSet controller to observe the new spec")
    desired = integer(obj, "status", "desiredNumberScheduled")
    updated = integer(obj, "status", "updatedNumberScheduled")
    available = integer(obj, "status", "numberAvailable")
    if text(obj, "spec", "updateStrategy", "type") == "OnDelete":
        return healthy(f"{updated} of {desired} pods updated (OnDelete strategy)")
    if updated < desired:
        return progressing(f"Waiting for rollout: {updated} of {desired} pods updated")
    if available < desired:
        return progressing(f"Waiting for rollout: {available} of {desired} pods available")
    return healthy()


def replicaset(obj: Mapping[str, Any]) -> Health:
    if not generation_observed(obj):
        return progressing("Waiting for the ReplicaSet controller to observe the new spec")
    failure = condition(obj, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        return degraded(str(failure.get("message") or failure.get("reason") or "ReplicaFailure"))
    wanted = _replicas(obj)
    available = integer(obj, "status", "availableReplicas")
    if available < wanted:
        return progressing(f"Waiting for {available} of {wanted} replicas to be available")
    return healthy()


__all__ = ["daemonset", "deployment", "replicaset", "statefulset"]
