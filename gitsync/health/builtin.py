"""The checks gitsync ships, by (API group, kind).

Kubernetes' own kinds and Argo Rollouts are listed here; popular operators' kinds come
from the `operators` package. `lookup` is the one way in: an exact (group, kind) entry,
else an operator whose API groups are open-ended (Crossplane providers).
"""

from __future__ import annotations

from gitsync.health import autoscaling, network, operators, pods, rollout, storage, workloads
from gitsync.health.types import Check

CHECKS: dict[tuple[str, str], Check] = {
    ("apps", "Deployment"): workloads.deployment,
    ("extensions", "Deployment"): workloads.deployment,
    ("apps", "StatefulSet"): workloads.statefulset,
    ("apps", "DaemonSet"): workloads.daemonset,
    ("extensions", "DaemonSet"): workloads.daemonset,
    ("apps", "ReplicaSet"): workloads.replicaset,
    ("extensions", "ReplicaSet"): workloads.replicaset,
    ("", "Pod"): pods.pod,
    ("batch", "Job"): pods.job,
    ("", "Service"): network.service,
    ("networking.k8s.io", "Ingress"): network.ingress,
    ("extensions", "Ingress"): network.ingress,
    ("apiregistration.k8s.io", "APIService"): network.apiservice,
    ("", "PersistentVolumeClaim"): storage.persistentvolumeclaim,
    ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.horizontalpodautoscaler,
    ("argoproj.io", "Rollout"): rollout.rollout,
    ("argoproj.io", "AnalysisRun"): rollout.analysisrun,
}
CHECKS.update(operators.CHECKS)


def lookup(group: str, kind: str) -> Check | None:
    """The built-in check for objects of `group` and `kind`, or None."""
    found = CHECKS.get((group, kind))
    if found is not None:
        return found
    for matcher in operators.MATCHERS:
        found = matcher(group, kind)
        if found is not None:
            return found
    return None
