"""Normalisation: drop what the server owns and gitsync's own bookkeeping before comparing."""

from __future__ import annotations

import base64
from typing import Any

from gitsync.model.annotations import TRACKING_ANNOTATION, TRACKING_LABEL

# Metadata written by the API server, never by a user (nor by Git).
SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionGracePeriodSeconds",
)


def clone(value: Any) -> Any:
    """Deep copy of JSON-like data (several times faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def is_secret(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def normalize(obj: dict[str, Any]) -> dict[str, Any]:
    """A normalised deep copy of `obj`; `obj` itself is left untouched.

    Dropped: server-owned metadata, ``status``, gitsync's tracking label and annotation
    (and labels/annotations mappings left empty by that). A Secret's ``stringData`` is
    folded into ``data`` (base64), which is what the API server stores.
    """
    result: dict[str, Any] = clone(obj)
    result.pop("status", None)
    meta = result.get("metadata")
    if isinstance(meta, dict):
        for field in SERVER_METADATA:
            meta.pop(field, None)
        _drop_key(meta, "labels", TRACKING_LABEL)
        _drop_key(meta, "annotations", TRACKING_ANNOTATION)
    if is_secret(result):
        fold_string_data(result)
    return result


def _drop_key(meta: dict[str, Any], field: str, key: str) -> None:
    values = meta.get(field)
    if isinstance(values, dict):
        values.pop(key, None)
    if field in meta and not meta[field]:
        del meta[field]


def fold_string_data(secret: dict[str, Any]) -> None:
    """Move ``stringData`` into ``data`` in place; stringData wins, as on the server."""
    string_data = secret.pop("stringData", None)
    if not isinstance(string_data, dict) or not string_data:
        return
    data = secret.get("data")
    data = dict(data) if isinstance(data, dict) else {}
    for key, value in string_data.items():
        text = "" if value is None else str(value)
        data[key] = base64.b64encode(text.encode()).decode()
    secret["data"] = data
