"""Deletion: finalizers and deletionTimestamp, owner-reference garbage collection with
propagationPolicy (Background, Foreground, Orphan), namespace and CRD cleanup.

The cascade is synchronous: when a delete returns, every dependent that can go is gone.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .objects import timestamp
from .registry import ResourceType
from .store import Obj, Stored

if TYPE_CHECKING:
    from .api import Api

FOREGROUND = "foregroundDeletion"


def _type_of(api: Api, obj: Obj) -> ResourceType | None:
    api_version = str(obj.get("apiVersion") or "")
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return api.registry.by_kind(group, str(obj.get("kind") or ""))


def _uid(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("uid") or "")


def delete(
    api: Api, rtype: ResourceType, old: Stored, propagation: str, dry_run: bool
) -> tuple[Obj, bool]:
    obj = json.loads(old.raw)
    meta = obj["metadata"]
    uid = _uid(obj)
    finalizers = list(meta.get("finalizers") or [])
    is_namespace = rtype.kind == "Namespace" and rtype.group == ""
    if (
        propagation == "Foreground"
        and api.store.dependents_of(uid)
        and FOREGROUND not in finalizers
    ):
        finalizers.append(FOREGROUND)
    if dry_run:
        if finalizers:
            meta.setdefault("deletionTimestamp", timestamp())
            meta["finalizers"] = finalizers
        return obj, not finalizers
    if propagation == "Orphan":
        _orphan_dependents(api, uid)
    if is_namespace:
        return _delete_namespace(api, rtype, obj, finalizers)
    if finalizers:
        if meta.get("deletionTimestamp") and finalizers == list(meta.get("finalizers") or []):
            return old.obj, False
        meta.setdefault("deletionTimestamp", timestamp())
        meta["deletionGracePeriodSeconds"] = 0
        meta["finalizers"] = finalizers
        api.store.commit(rtype, obj, "MODIFIED")
        if FOREGROUND in finalizers:
            for dependent in api.store.dependents_of(uid):
                _delete_dependent(api, dependent, uid)
            check_foreground(api, uid)
            current = api.store.get_by_uid(uid)
            return (current.obj if current else obj), current is None
        return obj, False
    return remove_now(api, rtype, obj, propagation), True


def remove_now(api: Api, rtype: ResourceType, obj: Obj, propagation: str = "Background") -> Obj:
    """Take the object out of the store and cascade to what depended on it."""
    api.store.commit(rtype, obj, "DELETED")
    uid = _uid(obj)
    if rtype.group == "apiextensions.k8s.io" and rtype.kind == "CustomResourceDefinition":
        _drop_custom_resources(api, obj)
    if propagation != "Orphan":
        for dependent in api.store.dependents_of(uid):
            _delete_dependent(api, dependent, uid)
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("uid"):
            check_foreground(api, str(ref["uid"]))
    namespace = obj.get("metadata", {}).get("namespace")
    if rtype.namespaced and namespace:
        _finish_namespace_if_empty(api, str(namespace))
    return obj


def _delete_dependent(api: Api, dependent: Stored, gone_owner: str) -> None:
    refs = dependent.obj.get("metadata", {}).get("ownerReferences") or []
    for ref in refs:
        other = str(ref.get("uid") or "") if isinstance(ref, dict) else ""
        if other and other != gone_owner and api.store.get_by_uid(other) is not None:
            owner = api.store.get_by_uid(other)
            if owner is not None and not owner.obj["metadata"].get("deletionTimestamp"):
                return  # another owner still lives: the dependent stays
    rtype = _type_of(api, dependent.obj)
    if rtype is None:
        return
    delete(api, rtype, dependent, "Background", False)


def check_foreground(api: Api, owner_uid: str) -> None:
    """An owner deleted in the foreground goes once it has no dependents left."""
    owner = api.store.get_by_uid(owner_uid)
    if owner is None:
        return
    meta = owner.obj.get("metadata", {})
    finalizers = list(meta.get("finalizers") or [])
    if not meta.get("deletionTimestamp") or FOREGROUND not in finalizers:
        return
    if api.store.dependents_of(owner_uid):
        return
    rtype = _type_of(api, owner.obj)
    if rtype is None:
        return
    obj = json.loads(owner.raw)
    finalizers.remove(FOREGROUND)
    if finalizers:
        obj["metadata"]["finalizers"] = finalizers
        api.store.commit(rtype, obj, "MODIFIED")
    else:
        obj["metadata"].pop("finalizers", None)
        remove_now(api, rtype, obj)


def _orphan_dependents(api: Api, uid: str) -> None:
    for dependent in api.store.dependents_of(uid):
        rtype = _type_of(api, dependent.obj)
        if rtype is None:
            continue
        obj = json.loads(dependent.raw)
        refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
        if refs:
            obj["metadata"]["ownerReferences"] = refs
        else:
            obj["metadata"].pop("ownerReferences", None)
        api.store.commit(rtype, obj, "MODIFIED")


def _drop_custom_resources(api: Api, crd: Obj) -> None:
    name = str(crd.get("metadata", {}).get("name") or "")
    rtype = api.registry.unregister_crd(name)
    if rtype is None:
        return
    for stored in api.store.items(rtype.group, rtype.kind, None):
        api.store.commit(rtype, json.loads(stored.raw), "DELETED")


def _delete_namespace(
    api: Api, rtype: ResourceType, obj: Obj, finalizers: list[str]
) -> tuple[Obj, bool]:
    meta = obj["metadata"]
    name = str(meta["name"])
    if not meta.get("deletionTimestamp"):
        meta["deletionTimestamp"] = timestamp()
        obj.setdefault("status", {})["phase"] = "Terminating"
        api.store.commit(rtype, obj, "MODIFIED")
    for group, kind in api.store.kinds():
        content_type = api.registry.by_kind(group, kind)
        if content_type is None or not content_type.namespaced:
            continue
        for stored in api.store.items(group, kind, name):
            current = api.store.get(group, kind, name, stored.obj["metadata"]["name"])
            if current is not None:
                delete(api, content_type, current, "Background", False)
    _finish_namespace_if_empty(api, name)
    current = api.store.get("", "Namespace", "", name)
    return (current.obj if current else obj), current is None


def _finish_namespace_if_empty(api: Api, namespace: str) -> None:
    ns = api.store.get("", "Namespace", "", namespace)
    if ns is None or not ns.obj["metadata"].get("deletionTimestamp"):
        return
    if api.store.count_in_namespace(namespace) > 0:
        return
    if ns.obj["metadata"].get("finalizers"):
        return
    rtype = api.registry.by_kind("", "Namespace")
    if rtype is not None:
        api.store.commit(rtype, json.loads(ns.raw), "DELETED")
