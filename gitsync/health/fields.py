"""Tolerant readers for live objects.

Live objects come from the API server, but also from files people hand to
`gitsync health`, so every field may be missing or of the wrong type. These helpers
return a neutral value instead of raising, and the checks stay readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_EMPTY: Mapping[str, Any] = {}


def mapping(obj: Any, *path: str) -> Mapping[str, Any]:
    """The mapping at `path` below `obj`, or an empty mapping."""
    node = obj
    for key in path:
        if not isinstance(node, Mapping):
            return _EMPTY
        node = node.get(key)
    return node if isinstance(node, Mapping) else _EMPTY


def value(obj: Any, *path: str) -> Any:
    """Whatever is at `path`, or None."""
    if not path:
        return obj
    parent = mapping(obj, *path[:-1])
    return parent.get(path[-1])


def text(obj: Any, *path: str) -> str:
    """A string field; numbers are rendered, anything else (or absence) gives ``""``."""
    found = value(obj, *path)
    if isinstance(found, str):
        return found
    if isinstance(found, int | float) and not isinstance(found, bool):
        return str(found)
    return ""


def integer(obj: Any, *path: str, default: int = 0) -> int:
    """An integer field; numeric strings count (Rollouts store generations as strings)."""
    found = value(obj, *path)
    if isinstance(found, bool):
        return default
    if isinstance(found, int):
        return found
    if isinstance(found, str):
        try:
            return int(found.strip())
        except ValueError:
            return default
    return default


def optional_integer(obj: Any, *path: str) -> int | None:
    """Like `integer` but None when the field is absent or not a number."""
    found = value(obj, *path)
    if isinstance(found, bool):
        return None
    if isinstance(found, int):
        return found
    if isinstance(found, str):
        try:
            return int(found.strip())
        except ValueError:
            return None
    return None


def items(obj: Any, *path: str) -> list[Mapping[str, Any]]:
    """The mappings in the list at `path` (non-mapping entries are dropped)."""
    found = value(obj, *path)
    if not isinstance(found, list):
        return []
    return [entry for entry in found if isinstance(entry, Mapping)]


def conditions(obj: Any) -> list[Mapping[str, Any]]:
    """``status.conditions`` as a list of mappings."""
    return items(obj, "status", "conditions")


def condition(obj: Any, ctype: str) -> Mapping[str, Any] | None:
    """The first status condition of type `ctype`, or None."""
    for cond in conditions(obj):
        if cond.get("type") == ctype:
            return cond
    return None


def flag(obj: Any, *path: str) -> bool:
    """True only for a real boolean true (or the string "true", as annotations spell it)."""
    found = value(obj, *path)
    if isinstance(found, str):
        return found.strip().lower() == "true"
    return found is True


def generation_observed(obj: Any) -> bool:
    """metadata.generation <= status.observedGeneration (the controller saw the spec)."""
    return integer(obj, "metadata", "generation") <= integer(obj, "status", "observedGeneration")
