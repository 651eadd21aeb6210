"""An in-memory ClusterPort for unit tests of the operation (not of the kube layer).

Fake controllers: a Deployment is ready as soon as it is written (unless `hold` names
it); a Job completes after `job_gets` reads, or fails when annotated
``sim.gitsync.io/fail: "true"``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from gitsync.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UnavailableError,
    UnknownKindError,
)
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.model.keys import ResourceKey
from gitsync.sync.kinds import builtin_scope
from gitsync.sync.port import ApplyOptions

Key = tuple[str, str, str, str]


def _key(obj: dict[str, Any]) -> Key:
    k = ResourceKey.of(obj)
    return (k.group, k.kind, k.namespace, k.name)


class FakePort:
    def __init__(self) -> None:
        self.objects: dict[Key, dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []
        self.job_gets = 1
        self.hold: set[str] = set()
        self.reject: dict[str, str] = {}  # "Kind/name" -> error message on apply
        self.transient: dict[str, int] = {}  # "Kind/name" -> 503s left on apply
        self._reads: dict[Key, int] = {}
        self.lists = 0  # list_live calls
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- helpers
    def put(self, obj: dict[str, Any]) -> None:
        self.objects[_key(obj)] = copy.deepcopy(obj)

    def find(self, kind: str, name: str) -> dict[str, Any] | None:
        for (_, k, _, n), obj in self.objects.items():
            if k == kind and n == name:
                return obj
        return None

    def resource_writes(self) -> list[tuple[str, str]]:
        """Writes other than the operation store's own ConfigMap and Namespace."""
        return [w for w in self.writes if "gitsync-op-" not in w[1] and w[1] != "Namespace/gitsync"]

    def _scope(self, group: str, kind: str) -> bool | None:
        for (g, k, _, _), obj in self.objects.items():
            if (g, k) == ("apiextensions.k8s.io", "CustomResourceDefinition"):
                spec = obj.get("spec") or {}
                if spec.get("group") == group and (spec.get("names") or {}).get("kind") == kind:
                    return spec.get("scope") != "Cluster"
        return builtin_scope(group, kind)

    def _record(self, verb: str, obj: dict[str, Any]) -> None:
        self.writes.append((verb, str(ResourceKey.of(obj))))

    def _check(self, obj: dict[str, Any]) -> None:
        k = ResourceKey.of(obj)
        if self._scope(k.group, k.kind) is None:
            raise UnknownKindError(f"unknown kind {k.kind}", str(k), 404)
        message = self.reject.get(f"{k.kind}/{k.name}")
        if message:
            raise InvalidError(message, str(k), 422)
        left = self.transient.get(f"{k.kind}/{k.name}", 0)  # the caller holds the lock
        if left:
            self.transient[f"{k.kind}/{k.name}"] = left - 1
            raise UnavailableError("HTTP 503: try again", str(k), 503)

    def _controllers(self, obj: dict[str, Any]) -> None:
        kind = obj.get("kind")
        meta = obj.setdefault("metadata", {})
        meta.setdefault("generation", 1)
        if kind == "Deployment" and meta.get("name") not in self.hold:
            replicas = (obj.get("spec") or {}).get("replicas", 1)
            obj["status"] = {
                "observedGeneration": meta["generation"],
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            }

    # ----------------------------------------------------------------- ClusterPort
    def namespaced(self, api_version: str, kind: str) -> bool | None:
        return self._scope(api_version.rpartition("/")[0], kind)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        group = api_version.rpartition("/")[0]
        key = (group, kind, namespace, name)
        with self._lock:
            obj = self.objects.get(key)
            if obj is None:
                return None
            if kind == "Job" and "status" not in obj:
                self._reads[key] = self._reads.get(key, 0) + 1
                if self._reads[key] >= self.job_gets:
                    failing = (obj["metadata"].get("annotations") or {}).get(
                        "sim.gitsync.io/fail"
                    ) == "true"
                    kind_ = "Failed" if failing else "Complete"
                    obj["status"] = {"conditions": [{"type": kind_, "status": "True"}]}
            return copy.deepcopy(obj)

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        self.lists += 1
        return {name: self.get(api_version, kind, namespace, name) for name in names}

    def list_tracked(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        wanted = {(av.rpartition("/")[0], k) for av, k in kinds}
        return [
            copy.deepcopy(o)
            for (g, k, _, _), o in self.objects.items()
            if (g, k) in wanted and (o["metadata"].get("labels") or {}).get(TRACKING_LABEL) == app
        ]

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, options: ApplyOptions | None = None
    ) -> dict[str, Any]:
        with self._lock:
            self._check(obj)
            if dry_run:
                return copy.deepcopy(obj)
            key = _key(obj)
            stored = copy.deepcopy(obj)
            old = self.objects.get(key)
            if old is not None and "status" in old and obj.get("kind") == "Job":
                stored["status"] = old["status"]
            self._controllers(stored)
            self.objects[key] = stored
            self._record("apply", obj)
            return copy.deepcopy(stored)

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        with self._lock:
            self._check(obj)
            if _key(obj) in self.objects:
                raise ConflictError("already exists", str(ResourceKey.of(obj)), 409)
            if dry_run:
                return copy.deepcopy(obj)
            stored = copy.deepcopy(obj)
            self._controllers(stored)
            self.objects[_key(obj)] = stored
            self._record("create", obj)
            return copy.deepcopy(stored)

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        with self._lock:
            self._check(obj)
            if _key(obj) not in self.objects:
                raise NotFoundError("not found", str(ResourceKey.of(obj)), 404)
            if dry_run:
                return copy.deepcopy(obj)
            stored = copy.deepcopy(obj)
            self._controllers(stored)
            self.objects[_key(obj)] = stored
            self._record("replace", obj)
            return copy.deepcopy(stored)

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, *, propagation: str
    ) -> bool:
        key = (api_version.rpartition("/")[0], kind, namespace, name)
        with self._lock:
            obj = self.objects.get(key)
            if obj is None:
                return False
            self._record(f"delete:{propagation}", obj)
            if obj["metadata"].get("finalizers"):
                obj["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
            else:
                del self.objects[key]
            return True

    def remove_finalizer(
        self, api_version: str, kind: str, namespace: str, name: str, finalizer: str
    ) -> None:
        key = (api_version.rpartition("/")[0], kind, namespace, name)
        with self._lock:
            obj = self.objects.get(key)
            if obj is None or finalizer not in (obj["metadata"].get("finalizers") or []):
                return
            obj["metadata"]["finalizers"].remove(finalizer)
            self._record("unfinalize", obj)
            if not obj["metadata"]["finalizers"] and obj["metadata"].get("deletionTimestamp"):
                del self.objects[key]
