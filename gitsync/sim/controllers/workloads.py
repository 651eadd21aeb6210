"""Deployments, ReplicaSets, StatefulSets and DaemonSets reach ready status after a delay
(global `ready_delay` or the `sim.gitsync.io/ready-after` annotation); with
`sim.gitsync.io/fail: "true"` they stall (a Deployment reports ProgressDeadlineExceeded)."""

from __future__ import annotations

import hashlib
import json

from .base import Controller, ControllerContext, Obj, condition, fails, ready_delay_of


def _replicas(obj: Obj) -> int:
    try:
        return int(obj.get("spec", {}).get("replicas", 1))
    except (TypeError, ValueError):
        return 1


def _revision(obj: Obj) -> str:
    template = json.dumps(obj.get("spec", {}).get("template") or {}, sort_keys=True)
    return hashlib.sha256(template.encode()).hexdigest()[:10]


class _Workload(Controller):
    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return None
        generation = meta.get("generation", 1)
        delay = ready_delay_of(obj, ctx.ready_delay)
        elapsed = self.elapsed(ctx, obj, generation)
        if elapsed >= delay:
            ctx.write_status(obj, self.failed(obj) if fails(obj) else self.ready(obj))
            return None
        ctx.write_status(obj, self.progressing(obj))
        return delay - elapsed

    def ready(self, obj: Obj) -> Obj:
        raise NotImplementedError

    def progressing(self, obj: Obj) -> Obj:
        raise NotImplementedError

    def failed(self, obj: Obj) -> Obj:
        return self.progressing(obj)


class DeploymentController(_Workload):
    """Deployments roll out: a ReplicaSet per template, status as the real controller writes it."""

    name = "deployment"
    kinds = frozenset({("apps", "Deployment")})

    def _base(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        return {"observedGeneration": obj["metadata"].get("generation", 1), "replicas": n}

    def ready(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        rs = f"{obj['metadata']['name']}-{_revision(obj)}"
        status = self._base(obj)
        status.update(updatedReplicas=n, readyReplicas=n, availableReplicas=n)
        status["conditions"] = [
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            ),
            condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs}" has successfully progressed.',
            ),
        ]
        return {k: v for k, v in status.items() if v != 0 or k == "observedGeneration"}

    def progressing(self, obj: Obj) -> Obj:
        rs = f"{obj['metadata']['name']}-{_revision(obj)}"
        return self._unavailable(
            obj, "True", "ReplicaSetUpdated", f'ReplicaSet "{rs}" is progressing.'
        )

    def failed(self, obj: Obj) -> Obj:
        rs = f"{obj['metadata']['name']}-{_revision(obj)}"
        return self._unavailable(
            obj,
            "False",
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs}" has timed out progressing.',
        )

    def _unavailable(self, obj: Obj, progressing: str, reason: str, message: str) -> Obj:
        """Every replica updated, none available yet; the Progressing condition as given."""
        n = _replicas(obj)
        status = self._base(obj)
        status.update(updatedReplicas=n, unavailableReplicas=n)
        status["conditions"] = [
            condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            condition("Progressing", progressing, reason, message),
        ]
        return status


class ReplicaSetController(_Workload):
    """ReplicaSets report their replicas ready after the ready delay."""

    name = "replicaset"
    kinds = frozenset({("apps", "ReplicaSet")})

    def ready(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        status: Obj = {"observedGeneration": obj["metadata"].get("generation", 1), "replicas": n}
        if n:
            status.update(fullyLabeledReplicas=n, readyReplicas=n, availableReplicas=n)
        return status

    def progressing(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        return {"observedGeneration": obj["metadata"].get("generation", 1), "replicas": n}


class StatefulSetController(_Workload):
    """StatefulSets roll out to their update revision (partitions respected)."""

    name = "statefulset"
    kinds = frozenset({("apps", "StatefulSet")})

    def ready(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        revision = f"{obj['metadata']['name']}-{_revision(obj)}"
        return {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": n,
            "readyReplicas": n,
            "currentReplicas": n,
            "updatedReplicas": n,
            "availableReplicas": n,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }

    def progressing(self, obj: Obj) -> Obj:
        n = _replicas(obj)
        revision = f"{obj['metadata']['name']}-{_revision(obj)}"
        previous = (obj.get("status") or {}).get("currentRevision") or revision
        return {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": n,
            "readyReplicas": 0,
            "currentReplicas": n if previous != revision else 0,
            "updatedReplicas": 0,
            "availableReplicas": 0,
            "currentRevision": previous,
            "updateRevision": revision,
            "collisionCount": 0,
        }


class DaemonSetController(_Workload):
    """DaemonSets schedule on the emulator's single node."""

    name = "daemonset"
    kinds = frozenset({("apps", "DaemonSet")})
    nodes = 1  # the simulated cluster has one node

    def ready(self, obj: Obj) -> Obj:
        n = self.nodes
        return {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "currentNumberScheduled": n,
            "desiredNumberScheduled": n,
            "numberMisscheduled": 0,
            "numberReady": n,
            "updatedNumberScheduled": n,
            "numberAvailable": n,
        }

    def progressing(self, obj: Obj) -> Obj:
        n = self.nodes
        return {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "currentNumberScheduled": n,
            "desiredNumberScheduled": n,
            "numberMisscheduled": 0,
            "numberReady": 0,
            "updatedNumberScheduled": 0,
            "numberUnavailable": n,
        }
