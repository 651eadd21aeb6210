"""The checks gitsync ships, by (API group, kind)."""

from __future__ import annotations

from gitsync.health import autoscaling, network, pods, rollout, storage, workloads
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


def lookup(group: str, kind: str) -> Check | None:
    """The built-in check for (group, kind), or None; the registry asks only here."""
    return CHECKS.get((group, kind))
