"""Fields owned by field managers, read from an object's ``metadata.managedFields``.

The ``fieldsV1`` format is a tree: ``f:<name>`` is a mapping field, ``k:<json>`` a list
item identified by its key fields, ``v:<json>`` a set member, ``i:<n>`` an index, and
``.`` marks the node itself. A node with no children below it is a leaf the manager owns.
Leaves become path patterns, evaluated later against each object, so that a keyed item
is found wherever it sits in that object's list.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

from gitsync.diff.paths import Index, ItemEqualTo, ItemWithKeys, Key, Pattern, Segment


def managed_by(obj: dict[str, Any], managers: Collection[str]) -> list[Pattern]:
    """Leaf patterns of the fields the named managers own in `obj` (any operation)."""
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    patterns: list[Pattern] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("manager") not in managers:
            continue
        fields = entry.get("fieldsV1")
        if isinstance(fields, dict):
            patterns.extend(_leaves(fields, ()))
    return patterns


def _leaves(node: dict[str, Any], prefix: Pattern) -> Iterator[Pattern]:
    children = [k for k in node if k != "."]
    if not children:
        if prefix:
            yield prefix
        return
    for name in children:
        segment = _segment(name)
        if segment is None:
            continue
        child = node[name]
        yield from _leaves(child if isinstance(child, dict) else {}, (*prefix, segment))


def _segment(name: str) -> Segment | None:
    kind, _, rest = name.partition(":")
    try:
        if kind == "f":
            return Key(rest)
        if kind == "k":
            keys = json.loads(rest)
            if isinstance(keys, dict):
                return ItemWithKeys(tuple(sorted(keys.items())))
        if kind == "v":
            return ItemEqualTo(json.loads(rest))
        if kind == "i":
            return Index(int(rest))
    except ValueError:
        return None
    return None
