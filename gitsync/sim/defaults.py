"""Server-side defaulting of a few fields, as the real API server fills them in.

Tests use these to check that "a field defaulted by the server is not a difference".
All defaulting lives here; every function only adds what is missing (idempotent).
"""

from __future__ import annotations

import itertools
import threading
import zlib
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]


class ClusterIPAllocator:
    """Hands out Service cluster IPs, one new address per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = itertools.count(10)

    def __call__(self) -> str:
        with self._lock:
            n = next(self._next)
        return f"10.96.{(n // 250) % 250}.{n % 250 + 1}"


def _container(container: Obj) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = str(container.get("image", ""))
    tag_part = image.rsplit("/", 1)[-1]
    untagged = ":" not in tag_part and "@" not in tag_part
    latest = untagged or tag_part.endswith(":latest")
    container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for field in ("containers", "initContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                _container(container)


def _template(spec: Obj) -> None:
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        pod_spec(template["spec"])


def deployment(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    _template(spec)


def statefulset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    _template(spec)


def daemonset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault(
        "updateStrategy",
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
    )
    _template(spec)


def replicaset(obj: Obj) -> None:
    obj.setdefault("spec", {}).setdefault("replicas", 1)
    _template(obj["spec"])


def job(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        template["spec"].setdefault("restartPolicy", "Never")
    _template(spec)


def pod(obj: Obj) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict):
        pod_spec(spec)


def service(obj: Obj, allocate_ip: Callable[[], str]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        if not spec.get("clusterIP"):
            spec["clusterIP"] = allocate_ip()
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "port" in port:
                port.setdefault("targetPort", port["port"])
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        for n, port in enumerate(spec.get("ports") or []):
            if isinstance(port, dict):
                port.setdefault(
                    "nodePort",
                    30000 + (zlib.crc32(str(obj["metadata"].get("name")).encode()) + n) % 2000,
                )


def namespace(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    meta = obj.setdefault("metadata", {})
    labels = meta.setdefault("labels", {})
    labels.setdefault("kubernetes.io/metadata.name", meta.get("name", ""))
    obj.setdefault("status", {}).setdefault("phase", "Active")


def secret(obj: Obj) -> None:
    obj.setdefault("type", "Opaque")


def pvc(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def crd(obj: Obj) -> None:
    """A CRD is accepted and established at once."""
    spec = obj.get("spec") or {}
    status = obj.setdefault("status", {})
    status.setdefault("acceptedNames", spec.get("names") or {})
    status.setdefault(
        "storedVersions",
        [v["name"] for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("storage")],
    )
    if "conditions" not in status:
        status["conditions"] = [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
        ]


def apply_defaults(group: str, kind: str, obj: Obj, allocate_ip: Callable[[], str]) -> None:
    if group == "apiextensions.k8s.io" and kind == "CustomResourceDefinition":
        crd(obj)
    elif group == "apps":
        handler = {
            "Deployment": deployment,
            "StatefulSet": statefulset,
            "DaemonSet": daemonset,
            "ReplicaSet": replicaset,
        }.get(kind)
        if handler:
            handler(obj)
    elif group == "batch" and kind == "Job":
        job(obj)
    elif group == "":
        if kind == "Service":
            service(obj, allocate_ip)
        elif kind == "Pod":
            pod(obj)
        elif kind == "Namespace":
            namespace(obj)
        elif kind == "Secret":
            secret(obj)
        elif kind == "PersistentVolumeClaim":
            pvc(obj)
