"""Which kinds the server serves: built-in kinds plus kinds registered by CRDs.

Lookups are dict-based: (group, version, plural) for URLs and (group, kind) for objects.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One kind the emulator serves: its group, versions, plural, scope and subresources."""

    group: str
    versions: tuple[str, ...]  # served versions, the preferred one first
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    has_status: bool = True
    builtin: bool = True  # strategic merge patch is only allowed on built-in kinds
    categories: tuple[str, ...] = ()
    singular: str = field(default="")

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    def api_version(self, version: str | None = None) -> str:
        version = version or self.versions[0]
        return f"{self.group}/{version}" if self.group else version

    def resource_name(self) -> str:
        """`deployments.apps` style, as error messages print it."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _t(
    group: str,
    versions: str,
    kind: str,
    plural: str,
    namespaced: bool,
    short: str = "",
    status: bool = True,
    categories: str = "",
) -> ResourceType:
    return ResourceType(
        group=group,
        versions=tuple(versions.split(",")),
        kind=kind,
        plural=plural,
        namespaced=namespaced,
        short_names=tuple(s for s in short.split(",") if s),
        has_status=status,
        categories=tuple(c for c in categories.split(",") if c),
    )


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _t("", "v1", "Namespace", "namespaces", False, "ns"),
    _t("", "v1", "ConfigMap", "configmaps", True, "cm", status=False),
    _t("", "v1", "Secret", "secrets", True, status=False),
    _t("", "v1", "Service", "services", True, "svc", categories="all"),
    _t("", "v1", "ServiceAccount", "serviceaccounts", True, "sa", status=False),
    _t("", "v1", "Pod", "pods", True, "po", categories="all"),
    _t("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, "pvc"),
    _t("", "v1", "PersistentVolume", "persistentvolumes", False, "pv"),
    _t("", "v1", "Endpoints", "endpoints", True, "ep", status=False),
    _t("", "v1", "Event", "events", True, "ev", status=False),
    _t("", "v1", "Node", "nodes", False, "no"),
    _t("", "v1", "LimitRange", "limitranges", True, "limits", status=False),
    _t("", "v1", "ResourceQuota", "resourcequotas", True, "quota"),
    _t("", "v1", "ReplicationController", "replicationcontrollers", True, "rc"),
    _t("apps", "v1", "Deployment", "deployments", True, "deploy", categories="all"),
    _t("apps", "v1", "ReplicaSet", "replicasets", True, "rs", categories="all"),
    _t("apps", "v1", "StatefulSet", "statefulsets", True, "sts", categories="all"),
    _t("apps", "v1", "DaemonSet", "daemonsets", True, "ds", categories="all"),
    _t("apps", "v1", "ControllerRevision", "controllerrevisions", True, status=False),
    _t("batch", "v1", "Job", "jobs", True, categories="all"),
    _t("batch", "v1", "CronJob", "cronjobs", True, "cj", categories="all"),
    _t("networking.k8s.io", "v1", "Ingress", "ingresses", True, "ing"),
    _t("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False, status=False),
    _t("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, "netpol", status=False),
    _t("rbac.authorization.k8s.io", "v1", "Role", "roles", True, status=False),
    _t("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, status=False),
    _t("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, status=False),
    _t(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        False,
        status=False,
    ),
    _t("coordination.k8s.io", "v1", "Lease", "leases", True, status=False),
    _t(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        "crd,crds",
    ),
    _t("autoscaling", "v2,v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa"),
    _t("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, "pdb"),
    _t("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, "sc", status=False),
    _t("apiregistration.k8s.io", "v1", "APIService", "apiservices", False),
    _t(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        False,
        status=False,
    ),
    _t(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        False,
        status=False,
    ),
    _t(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        False,
    ),
    _t(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        False,
        status=False,
    ),
)


class Registry:
    """Thread-safe table of served kinds. CRD kinds come and go with their CRD objects,
    each served version with the CRD's schema. `revision` counts the changes (the OpenAPI
    documents are rebuilt when it moves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_kind: dict[tuple[str, str], ResourceType] = {}
        self._by_plural: dict[tuple[str, str], ResourceType] = {}  # (group, plural)
        self._crd_kinds: dict[str, tuple[str, str]] = {}  # crd name -> (group, kind)
        # (group, kind) -> version -> openAPIV3Schema
        self._crd_schemas: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.revision = 0
        for rtype in BUILTIN_TYPES:
            self._add(rtype)

    def _add(self, rtype: ResourceType) -> None:
        self._by_kind[(rtype.group, rtype.kind)] = rtype
        self._by_plural[(rtype.group, rtype.plural)] = rtype

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        return self._by_kind.get((group, kind))

    def by_plural(self, group: str, version: str, plural: str) -> ResourceType | None:
        rtype = self._by_plural.get((group, plural))
        if rtype is None or version not in rtype.versions:
            return None
        return rtype

    def all_types(self) -> list[ResourceType]:
        with self._lock:
            return list(self._by_kind.values())

    def groups(self) -> dict[str, list[str]]:
        """Group -> served versions (preferred first), core group excluded, in a stable order."""
        found: dict[str, list[str]] = {}
        for rtype in self.all_types():
            if not rtype.group:
                continue
            versions = found.setdefault(rtype.group, [])
            for version in rtype.versions:
                if version not in versions:
                    versions.append(version)
        return found

    def types_in(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self.all_types() if t.group == group and version in t.versions]

    def crd_schema(self, rtype: ResourceType, version: str) -> dict[str, Any] | None:
        """The openAPIV3Schema a CRD declares for one version of its kind (None: none)."""
        with self._lock:
            return self._crd_schemas.get((rtype.group, rtype.kind), {}).get(version)

    # -- CRDs ---------------------------------------------------------------------------
    def register_crd(self, crd: dict[str, Any]) -> ResourceType | None:
        rtype = type_from_crd(crd)
        if rtype is None:
            return None
        name = str(crd.get("metadata", {}).get("name", ""))
        with self._lock:
            self._remove_crd_locked(name)
            if (rtype.group, rtype.kind) in self._by_kind and self._by_kind[
                (rtype.group, rtype.kind)
            ].builtin:
                return None  # never let a CRD shadow a built-in kind
            self._add(rtype)
            self._crd_kinds[name] = (rtype.group, rtype.kind)
            self._crd_schemas[(rtype.group, rtype.kind)] = _version_schemas(crd)
            self.revision += 1
        return rtype

    def unregister_crd(self, name: str) -> ResourceType | None:
        with self._lock:
            return self._remove_crd_locked(name)

    def _remove_crd_locked(self, name: str) -> ResourceType | None:
        key = self._crd_kinds.pop(name, None)
        if key is None:
            return None
        rtype = self._by_kind.pop(key, None)
        self._crd_schemas.pop(key, None)
        self.revision += 1
        if rtype is not None:
            self._by_plural.pop((rtype.group, rtype.plural), None)
        return rtype


def _version_schemas(crd: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    spec = crd.get("spec") or {}
    for entry in spec.get("versions") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        schema = (entry.get("schema") or {}).get("openAPIV3Schema")
        if isinstance(schema, dict):
            found[str(entry["name"])] = schema
    return found


def type_from_crd(crd: dict[str, Any]) -> ResourceType | None:
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names") or {}
    group = str(spec.get("group") or "")
    kind = str(names.get("kind") or "")
    plural = str(names.get("plural") or "")
    if not group or not kind or not plural:
        return None
    versions: list[str] = []
    storage_first: list[str] = []
    has_status = False
    for entry in spec.get("versions") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        if entry.get("served", True) is False:
            continue
        version = str(entry["name"])
        if entry.get("storage"):
            storage_first.insert(0, version)
        else:
            versions.append(version)
        if "status" in (entry.get("subresources") or {}):
            has_status = True
    served = storage_first + versions
    if not served:
        return None
    return ResourceType(
        group=group,
        versions=tuple(served),
        kind=kind,
        plural=plural,
        namespaced=spec.get("scope", "Namespaced") != "Cluster",
        short_names=tuple(str(s) for s in names.get("shortNames") or []),
        has_status=has_status,
        builtin=False,
        categories=tuple(str(c) for c in names.get("categories") or []),
        singular=str(names.get("singular") or kind.lower()),
    )
