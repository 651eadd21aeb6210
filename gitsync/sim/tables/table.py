"""The meta.k8s.io Table a GET answers when the client asks for one (as `kubectl get`
does): content negotiation and the Table document itself. Pure: no I/O, `now` is given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .builtin import NAME, PRINTERS
from .custom import cell, column_definition

Obj = dict[str, Any]

TABLE_GROUP = "meta.k8s.io"
TABLE_VERSIONS = ("v1", "v1beta1")
INCLUDE_OBJECT = ("None", "Metadata", "Object")
_JSON_TYPES = ("application/json", "application/*", "*/*")
_CREATED_AT = {
    "name": "Created At",
    "type": "date",
    "format": "",
    "description": "CreationTimestamp is a timestamp representing the server time when this "
    "object was created.",
    "priority": 0,
}


def table_version(accept: str | None) -> str | None:
    """The meta.k8s.io version of Table the Accept header asks for, None for plain JSON.

    The entries are tried by quality, in the order given among equals; the first one this
    server can produce wins (a Table of v1 or v1beta1, or plain JSON). When none can be
    produced the answer is plain JSON."""
    entries: list[tuple[float, int, str | None]] = []
    for position, entry in enumerate((accept or "").split(",")):
        parts = [p.strip() for p in entry.split(";")]
        media = parts[0].lower()
        params = dict(_param(p) for p in parts[1:] if "=" in p)
        quality = _quality(params.pop("q", "1"))
        if media not in _JSON_TYPES or quality <= 0:
            continue
        wanted = params.get("as")
        if wanted is None:
            entries.append((quality, position, None))
        elif (
            wanted == "Table"
            and params.get("g") == TABLE_GROUP
            and params.get("v") in TABLE_VERSIONS
        ):
            entries.append((quality, position, params["v"]))
    if not entries:
        return None
    entries.sort(key=lambda e: (-e[0], e[1]))
    return entries[0][2]


def content_type(version: str) -> str:
    return f"application/json;as=Table;v={version};g={TABLE_GROUP}"


def _param(text: str) -> tuple[str, str]:
    key, _, value = text.partition("=")
    return key.strip(), value.strip()


def _quality(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


def build_table(
    objects: Sequence[Obj],
    group: str,
    kind: str,
    now: datetime,
    *,
    crd_columns: Sequence[Obj] | None = None,
    include_object: str = "Metadata",
    version: str = "v1",
    resource_version: str = "",
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
) -> Obj:
    """A Table of `objects` (all of one kind): a built-in kind's printer columns, a custom
    resource's CRD columns (`crd_columns`, not None for custom resources), or Name and
    Created At for kinds without a printer. `include_object` is None, Metadata or Object."""
    if include_object not in INCLUDE_OBJECT:
        raise ValueError(f"includeObject must be one of {', '.join(INCLUDE_OBJECT)}")
    api_version = f"{TABLE_GROUP}/{version}"
    printer = PRINTERS.get((group, kind)) if crd_columns is None else None
    if crd_columns is not None:
        definitions = [NAME.definition(), *(column_definition(c) for c in crd_columns)]
    elif printer is not None:
        definitions = [c.definition() for c in printer.columns]
    else:
        definitions = [NAME.definition(), dict(_CREATED_AT)]
    rows = []
    for obj in objects:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        if crd_columns is not None:
            cells = [meta.get("name"), *(cell(c, obj, now) for c in crd_columns)]
        elif printer is not None:
            cells = printer.cells(obj, now)
        else:
            cells = [meta.get("name"), meta.get("creationTimestamp")]
        row: Obj = {"cells": cells}
        if include_object == "Object":
            row["object"] = obj
        elif include_object == "Metadata":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": meta,
            }
        rows.append(row)
    list_meta: Obj = {"resourceVersion": resource_version}
    if continue_token:
        list_meta["continue"] = continue_token
    if remaining_item_count is not None:
        list_meta["remainingItemCount"] = remaining_item_count
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta,
        "columnDefinitions": definitions,
        "rows": rows,
    }
