"""Columns of custom resources: the `additionalPrinterColumns` of the served version of
their CustomResourceDefinition, read with simple JSONPaths (`.status.x.y`)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .durations import since

Obj = dict[str, Any]

AGE_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was created."
)
# what the API server shows for a version that declares no columns
DEFAULT_COLUMNS: tuple[Obj, ...] = (
    {
        "name": "Age",
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
        "description": AGE_DOC,
    },
)
_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def crd_columns(crd: Obj, version: str) -> list[Obj]:
    """The printer columns a CRD declares for `version` (the version entry's list, else the
    older spec-wide one), or the default Age column when it declares none."""
    spec = crd.get("spec") if isinstance(crd.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    declared: Any = None
    for entry in spec.get("versions") or []:
        if isinstance(entry, dict) and entry.get("name") == version:
            declared = entry.get("additionalPrinterColumns")
    if declared is None:
        declared = spec.get("additionalPrinterColumns")
    columns = [_normalised(c) for c in declared or [] if isinstance(c, dict)]
    return [c for c in columns if c["name"]] or [_normalised(c) for c in DEFAULT_COLUMNS]


def _normalised(column: Obj) -> Obj:
    """A column with every field the Table needs (CRDs may leave format, priority... out)."""
    # `JSONPath` is the apiextensions v1beta1 spelling of `jsonPath`
    return {
        "name": str(column.get("name") or ""),
        "type": str(column.get("type") or "string"),
        "format": str(column.get("format") or ""),
        "description": str(column.get("description") or ""),
        "priority": int(column.get("priority") or 0),
        "jsonPath": str(column.get("jsonPath") or column.get("JSONPath") or ""),
    }


def column_definition(column: Obj) -> Obj:
    full = _normalised(column)
    return {k: full[k] for k in ("name", "type", "format", "description", "priority")}


def lookup(obj: Any, path: str) -> tuple[bool, Any]:
    """Follow a simple JSONPath (`.a.b`, `.a[0]`, `.a['b.c']`); (False, None) when a step
    is missing or the path is not that simple."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    position = 0
    value = obj
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            return False, None
        position = match.end()
        key, index = match.group(1) or match.group(3) or match.group(4), match.group(2)
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return False, None
            value = value[int(index)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return False, None
    return True, value


def cell(column: Obj, obj: Obj, now: datetime) -> Any:
    """One cell as the server types it; None (printed empty) when the value is missing or
    does not fit the column's type."""
    found, value = lookup(obj, str(column.get("jsonPath") or ""))
    if not found or value is None:
        return None
    kind = column.get("type")
    if kind == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, float) and value.is_integer() else None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        shown = since(value, now)
        return None if shown == "<unknown>" else shown
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))
