"""Small helpers shared by the write paths: names, timestamps, identity checks."""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import Any

from .apierror import ApiError
from .registry import ResourceType

Obj = dict[str, Any]
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_WORKLOADS = frozenset(("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"))


def timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_uid() -> str:
    return str(uuid.uuid4())


def generated_name(prefix: str) -> str:
    return prefix + "".join(random.choice(_SUFFIX_ALPHABET) for _ in range(5))


def spec_part(obj: Obj) -> dict[str, Any]:
    """Everything that counts for `generation`: all but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def invalid_object(rtype: ResourceType, name: str, field: str, detail: str) -> ApiError:
    kind = f"{rtype.kind}.{rtype.group}" if rtype.group else rtype.kind
    return ApiError(
        422,
        f'{kind} "{name}" is invalid: {field}: {detail}',
        "Invalid",
        name=name,
        group=rtype.group,
        kind=rtype.kind,
        causes=[{"reason": "FieldValueRequired", "message": detail, "field": field}],
    )


def check_type(rtype: ResourceType, version: str, body: Any) -> Obj:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", "BadRequest")
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    expected = rtype.api_version(version)
    if kind is not None and kind != rtype.kind:
        raise ApiError(
            400,
            f"the object provided is unrecognized (kind {kind!r} is not {rtype.kind!r})",
            "BadRequest",
        )
    if api_version is not None and api_version != expected:
        group = api_version.rsplit("/", 1)[0] if "/" in str(api_version) else ""
        if group != rtype.group:
            raise ApiError(
                400, f"apiVersion {api_version!r} does not match {expected!r}", "BadRequest"
            )
    body["apiVersion"] = expected
    body["kind"] = rtype.kind
    meta = body.get("metadata")
    if meta is None:
        body["metadata"] = {}
    elif not isinstance(meta, dict):
        raise ApiError(400, "metadata must be an object", "BadRequest")
    return body


def equal_ignoring_times(a: Obj, b: Obj) -> bool:
    """True when two objects differ at most in managedFields timestamps and resourceVersion."""

    def norm(obj: Obj) -> Obj:
        meta = dict(obj.get("metadata") or {})
        meta.pop("resourceVersion", None)
        fields = meta.get("managedFields")
        if isinstance(fields, list):
            meta["managedFields"] = [
                {k: v for k, v in f.items() if k != "time"} if isinstance(f, dict) else f
                for f in fields
            ]
        return {**obj, "metadata": meta}

    return norm(a) == norm(b)


def validate_new(rtype: ResourceType, obj: Obj) -> None:
    """The few validations of a real server that clients are likely to trip over."""
    name = str(obj["metadata"].get("name") or "")
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise invalid_object(
            rtype,
            name,
            "metadata.name",
            f"Invalid value: {name!r}: a lowercase RFC 1123 subdomain must consist of lower "
            "case alphanumeric characters, '-' or '.', and must start and end with an "
            "alphanumeric character",
        )
    if rtype.group == "apps" and rtype.kind in _WORKLOADS:
        spec = obj.get("spec")
        if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict):
            raise invalid_object(rtype, name, "spec.selector", "Required value")
        if not isinstance(spec.get("template"), dict):
            raise invalid_object(rtype, name, "spec.template", "Required value")
