"""The API operations (get/list/create/update/patch/delete) on the store, independent of
HTTP: validation, identity fields, generation, status subresource, finalizers, dry-run,
field managers and defaulting."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import defaults, gc
from .apierror import ApiError, already_exists, conflict, not_found
from .fieldvalidation import FieldValidation, check_required, check_write
from .managedfields import track_update
from .objects import (
    check_type,
    equal_ignoring_times,
    generated_name,
    invalid_object,
    new_uid,
    spec_part,
    timestamp,
    validate_new,
)
from .openapi import OpenAPISchemas
from .patching import json_patch, merge_patch, strategic_merge
from .registry import Registry, ResourceType
from .selectors import labels_of, parse_field_selector, parse_label_selector
from .ssa import server_side_apply
from .store import Obj, Store, Stored

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
APPLY_CBOR = "application/apply-patch+cbor"


def _ns(rtype: ResourceType, namespace: str | None) -> str:
    return (namespace or "") if rtype.namespaced else ""


class Api:
    """The emulator's resource semantics (CRUD, patch, apply, status) over its store."""

    def __init__(self, store: Store, registry: Registry) -> None:
        self.store = store
        self.registry = registry
        self.schemas = OpenAPISchemas(registry)
        self.allocate_ip = defaults.ClusterIPAllocator()

    # -- reads --------------------------------------------------------------------------
    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored:
        stored = self.store.get(rtype.group, rtype.kind, _ns(rtype, namespace), name)
        if stored is None:
            raise not_found(rtype.plural, name, rtype.group)
        return stored

    def list_items(
        self,
        rtype: ResourceType,
        namespace: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Stored], int]:
        label_test = parse_label_selector(label_selector)
        field_test = parse_field_selector(field_selector)
        with self.store.lock:
            items = self.store.items(
                rtype.group, rtype.kind, namespace if rtype.namespaced else None
            )
            rv = self.store.rv
        if label_test is not None:
            items = [s for s in items if label_test(labels_of(s.obj))]
        if field_test is not None:
            items = [s for s in items if field_test(s.obj)]
        return items, rv

    # -- create -------------------------------------------------------------------------
    def create(
        self,
        rtype: ResourceType,
        version: str,
        namespace: str | None,
        body: Any,
        *,
        dry_run: bool = False,
        manager: str = "",
        managed: list[Any] | None = None,
        validation: FieldValidation | None = None,
    ) -> Obj:
        """`validation`: check the body against the kind's schema (None: a trusted writer,
        such as a simulated controller or an apply that was checked already)."""
        obj = check_type(rtype, version, body)
        if validation is not None:
            check_write(self.schemas, rtype, version, obj, validation)
        meta = obj["metadata"]
        if rtype.namespaced:
            body_ns = meta.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise ApiError(
                    400,
                    "the namespace of the provided object does not match the namespace "
                    "sent on the request",
                    "BadRequest",
                )
            namespace = namespace or body_ns or "default"
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = generated_name(str(meta["generateName"]))
            else:
                raise invalid_object(
                    rtype, "", "metadata.name", "Required value: name or generateName is required"
                )
        name = str(meta["name"])
        validate_new(rtype, obj)
        with self.store.lock:
            if rtype.namespaced:
                ns_obj = self.store.get("", "Namespace", "", str(namespace))
                if ns_obj is None:
                    raise not_found("namespaces", str(namespace))
                if meta_deleting(ns_obj.obj):
                    raise ApiError(
                        403,
                        f'{rtype.plural} "{name}" is forbidden: unable to create new content in '
                        f"namespace {namespace} because it is being terminated",
                        "Forbidden",
                    )
            if self.store.get(rtype.group, rtype.kind, _ns(rtype, namespace), name) is not None:
                raise already_exists(rtype.plural, name, rtype.group)
            for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(key, None)
            meta["uid"] = new_uid()
            meta["creationTimestamp"] = timestamp()
            meta["generation"] = 1
            if rtype.has_status and rtype.kind != "Namespace":
                obj.pop("status", None)
            if managed is not None:
                meta["managedFields"] = managed
            elif manager and "managedFields" not in meta:
                track_update(None, obj, manager, rtype.builtin, "", not rtype.has_status)
            defaults.apply_defaults(rtype.group, rtype.kind, obj, self.allocate_ip)
            if dry_run:
                return obj
            self.store.commit(rtype, obj, "ADDED")
            if rtype.kind == "CustomResourceDefinition" and rtype.group == "apiextensions.k8s.io":
                crd_registered(self, obj)
            return obj

    # -- update -------------------------------------------------------------------------
    def update(
        self,
        rtype: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        body: Any,
        *,
        dry_run: bool = False,
        manager: str = "",
        subresource: str = "",
        validation: FieldValidation | None = None,
    ) -> Obj:
        obj = check_type(rtype, version, body)
        if validation is not None:
            check_write(self.schemas, rtype, version, obj, validation)
        meta = obj["metadata"]
        if meta.get("name") and meta["name"] != name:
            raise ApiError(
                400,
                f"the name of the object ({meta['name']}) does not match the name on the "
                f"URL ({name})",
                "BadRequest",
            )
        with self.store.lock:
            old = self.get(rtype, namespace, name)
            wanted_rv = meta.get("resourceVersion")
            if wanted_rv and str(wanted_rv) != str(old.rv):
                raise conflict(rtype.plural, name, rtype.group)
            return self._write(
                rtype, old, obj, dry_run=dry_run, manager=manager, subresource=subresource
            )

    # -- patch --------------------------------------------------------------------------
    def patch(
        self,
        rtype: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        content_type: str,
        patch: Any,
        *,
        dry_run: bool = False,
        manager: str = "",
        force: bool = False,
        subresource: str = "",
        validation: FieldValidation | None = None,
    ) -> Obj:
        content_type = content_type.split(";")[0].strip()
        is_apply = content_type in (APPLY, APPLY_CBOR)
        if content_type == STRATEGIC and not rtype.builtin:
            raise ApiError(
                415,
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {JSON_PATCH}, {MERGE}, {APPLY}",
                "UnsupportedMediaType",
            )
        if content_type not in (MERGE, JSON_PATCH, STRATEGIC) and not is_apply:
            raise ApiError(415, f"unsupported patch type {content_type!r}", "UnsupportedMediaType")
        if is_apply and not manager:
            raise ApiError(
                422,
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                "is required for apply patch",
                "Invalid",
            )
        with self.store.lock:
            old = self.store.get(rtype.group, rtype.kind, _ns(rtype, namespace), name)
            if is_apply:
                return self._apply(
                    rtype,
                    version,
                    namespace,
                    name,
                    old,
                    patch,
                    dry_run,
                    manager,
                    force,
                    subresource,
                    validation,
                )
            if old is None:
                raise not_found(rtype.plural, name, rtype.group)
            current = json.loads(old.raw)
            if content_type == MERGE:
                result = merge_patch(current, patch)
            elif content_type == STRATEGIC:
                result = strategic_merge(current, patch)
            else:
                result = json_patch(current, patch)
            if not isinstance(result, dict):
                raise ApiError(422, "the patch does not produce an object", "Invalid")
            wanted_rv = (result.get("metadata") or {}).get("resourceVersion")
            if wanted_rv and str(wanted_rv) != str(old.rv):
                raise conflict(rtype.plural, name, rtype.group)
            result = check_type(rtype, version, result)
            if validation is not None:
                check_write(self.schemas, rtype, version, result, validation)
            return self._write(
                rtype, old, result, dry_run=dry_run, manager=manager, subresource=subresource
            )

    def _apply(
        self,
        rtype: ResourceType,
        version: str,
        namespace: str | None,
        name: str,
        old: Stored | None,
        applied: Any,
        dry_run: bool,
        manager: str,
        force: bool,
        subresource: str,
        validation: FieldValidation | None,
    ) -> Obj:
        applied = check_type(rtype, version, applied)
        if validation is not None:
            check_write(self.schemas, rtype, version, applied, validation, apply=True)
        meta = applied["metadata"]
        if meta.get("name") and meta["name"] != name:
            raise ApiError(
                400,
                f"the name of the object ({meta['name']}) does not match the name on the "
                f"URL ({name})",
                "BadRequest",
            )
        meta["name"] = name
        if rtype.namespaced and namespace:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise ApiError(
                    400,
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request",
                    "BadRequest",
                )
            meta["namespace"] = namespace
        if subresource == "status":
            applied = {k: v for k, v in applied.items() if k in ("apiVersion", "kind", "status")}
            applied["metadata"] = {"name": name}
        elif rtype.has_status:
            applied.pop("status", None)
        with_status = subresource == "status" or not rtype.has_status
        if old is None:
            if subresource:
                raise not_found(rtype.plural, name, rtype.group)
            merged = server_side_apply(
                None,
                applied,
                manager=manager,
                force=force,
                keyed_lists=rtype.builtin,
                with_status=with_status,
            )
            managed = merged["metadata"].pop("managedFields", None)
            if validation is not None:
                check_required(self.schemas, rtype, version, merged)
            return self.create(
                rtype, version, namespace, merged, dry_run=dry_run, managed=managed or []
            )
        wanted_rv = meta.get("resourceVersion")
        if wanted_rv and str(wanted_rv) != str(old.rv):
            raise conflict(rtype.plural, name, rtype.group)
        merged = server_side_apply(
            json.loads(old.raw),
            applied,
            manager=manager,
            force=force,
            keyed_lists=rtype.builtin,
            with_status=with_status,
            subresource=subresource,
        )
        if validation is not None:
            check_required(self.schemas, rtype, version, merged)
        return self._write(rtype, old, merged, dry_run=dry_run, subresource=subresource)

    # -- the common end of update and patch ---------------------------------------------
    def _write(
        self,
        rtype: ResourceType,
        old: Stored,
        new: Obj,
        *,
        dry_run: bool,
        manager: str = "",
        subresource: str = "",
    ) -> Obj:
        """Finish an update of `old` to `new` (a private dict) and store it."""
        before = old.obj
        old_meta = before["metadata"]
        if subresource == "status":
            status = new.get("status")
            new = json.loads(old.raw)
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
        elif rtype.has_status:
            if "status" in before:
                new["status"] = before["status"]
            else:
                new.pop("status", None)
        meta = new.setdefault("metadata", {})
        for key in ("uid", "creationTimestamp", "name", "namespace", "deletionTimestamp"):
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        if "deletionGracePeriodSeconds" in old_meta:
            meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
        if "managedFields" not in meta and "managedFields" in old_meta:
            meta["managedFields"] = old_meta["managedFields"]
        if meta_deleting(before):
            # no new finalizers once deletion started
            old_finalizers = set(old_meta.get("finalizers") or [])
            meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f in old_finalizers]
            if not meta["finalizers"]:
                del meta["finalizers"]
        if manager:
            track_update(
                before,
                new,
                manager,
                rtype.builtin,
                subresource,
                subresource == "status" or not rtype.has_status,
            )
        generation = int(old_meta.get("generation") or 1)
        if spec_part(new) != spec_part(before):
            generation += 1
        meta["generation"] = generation
        defaults.apply_defaults(rtype.group, rtype.kind, new, self.allocate_ip)
        if equal_ignoring_times(new, before):
            return before
        if dry_run:
            meta["resourceVersion"] = str(old.rv)
            return new
        if meta_deleting(new) and not meta.get("finalizers"):
            return gc.remove_now(self, rtype, new)
        self.store.commit(rtype, new, "MODIFIED")
        if rtype.kind == "CustomResourceDefinition" and rtype.group == "apiextensions.k8s.io":
            crd_registered(self, new)
        return new

    # -- delete -------------------------------------------------------------------------
    def delete(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        *,
        propagation: str | None = None,
        dry_run: bool = False,
        preconditions: dict[str, Any] | None = None,
    ) -> tuple[Obj, bool]:
        """(the object, True when it is gone now; False when deletion waits on finalizers)."""
        with self.store.lock:
            old = self.get(rtype, namespace, name)
            pre = preconditions or {}
            if pre.get("uid") and pre["uid"] != old.obj["metadata"].get("uid"):
                raise conflict(rtype.plural, name, rtype.group, "Precondition failed: UID")
            if pre.get("resourceVersion") and str(pre["resourceVersion"]) != str(old.rv):
                raise conflict(
                    rtype.plural, name, rtype.group, "Precondition failed: ResourceVersion"
                )
            return gc.delete(self, rtype, old, propagation or "Background", dry_run)

    def delete_collection(
        self,
        rtype: ResourceType,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        *,
        propagation: str | None = None,
        dry_run: bool = False,
    ) -> list[Obj]:
        with self.store.lock:
            items, _ = self.list_items(rtype, namespace, label_selector, field_selector)
            deleted: list[Obj] = []
            for stored in items:
                current = self.store.get(
                    rtype.group,
                    rtype.kind,
                    _ns(rtype, stored.obj["metadata"].get("namespace")),
                    stored.obj["metadata"]["name"],
                )
                if current is None:
                    continue
                obj, _ = gc.delete(self, rtype, current, propagation or "Background", dry_run)
                deleted.append(obj)
            return deleted

    # -- direct changes (controllers, test helpers) ----------------------------------------
    def mutate(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        change: Callable[[Obj], Obj | None],
    ) -> Obj | None:
        """Apply `change` to a private copy and store the result when it differs.
        `change` returns the new object (or None to leave it alone). No field manager."""
        with self.store.lock:
            old = self.store.get(rtype.group, rtype.kind, _ns(rtype, namespace), name)
            if old is None:
                return None
            new = change(json.loads(old.raw))
            if new is None or new == old.obj:
                return old.obj
            new.setdefault("metadata", {})["resourceVersion"] = str(old.rv)
            if new == old.obj:
                return old.obj
            self.store.commit(rtype, new, "MODIFIED")
            return new


def meta_deleting(obj: Obj) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def crd_registered(api: Api, crd: Obj) -> None:
    api.registry.register_crd(crd)
