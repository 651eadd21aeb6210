"""Kind order inside one wave, and which built-in kinds are cluster-scoped."""

from __future__ import annotations

from collections.abc import Callable

# Helm's install order, as gitops-engine uses it; unknown kinds (custom resources) go last.
KIND_ORDER: tuple[str, ...] = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)
_RANK = {kind: index for index, kind in enumerate(KIND_ORDER)}

CRD_GROUP = "apiextensions.k8s.io"
CRD_KIND = "CustomResourceDefinition"

# (group, kind) of built-in kinds that live outside namespaces. Anything else is assumed
# namespaced unless a CRD in the same manifest set (or the cluster) says otherwise.
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        (CRD_GROUP, CRD_KIND),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("networking.k8s.io", "IngressClass"),
        ("apiregistration.k8s.io", "APIService"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("policy", "PodSecurityPolicy"),
        ("node.k8s.io", "RuntimeClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    }
)

# Answers "is (group, kind) namespaced?"; None when it does not know.
ScopeLookup = Callable[[str, str], bool | None]


def kind_rank(kind: str) -> int:
    return _RANK.get(kind, len(KIND_ORDER))


def builtin_scope(group: str, kind: str) -> bool | None:
    """Namespaced-ness of well-known kinds; None for kinds this table does not know."""
    if (group, kind) in CLUSTER_SCOPED:
        return False
    if group in _BUILTIN_GROUPS:
        return True
    return None


_BUILTIN_GROUPS = frozenset(
    {
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "storage.k8s.io",
    }
)
