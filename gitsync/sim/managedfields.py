"""Field ownership: the field paths of an object, `metadata.managedFields` (FieldsV1) in and
out, and the bookkeeping of non-apply writes ("Update" operations take changed fields).

A path is a tuple of FieldsV1 elements: ``f:<key>`` for a map key and ``k:<json>`` for an
item of a list merged by key. A path ending in a ``k:`` element stands for the item itself.
Lists without a merge key are atomic: the list is one leaf.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .mergekeys import merge_key_for

Path = tuple[str, ...]
ITEM = object()  # the value recorded for an item path
_SKIP_META = frozenset(
    (
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
        "generateName",
    )
)


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def item_element(key: str, item: dict[str, Any]) -> str:
    return "k:" + json.dumps({key: item.get(key)}, separators=(",", ":"), sort_keys=True)


def leaves(obj: dict[str, Any], keyed_lists: bool, with_status: bool) -> dict[Path, Any]:
    """Path -> value of every owned leaf of an object (identity fields left out)."""
    found: dict[Path, Any] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "status" and not with_status:
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _SKIP_META}
            if meta:
                _walk(meta, ("f:metadata",), keyed_lists, found)
            continue
        _walk_value(key, value, ("f:" + key,), keyed_lists, found)
    return found


def _walk(value: dict[str, Any], path: Path, keyed: bool, found: dict[Path, Any]) -> None:
    if not value:
        found[path] = value
        return
    for key, child in value.items():
        _walk_value(key, child, (*path, "f:" + key), keyed, found)


def _walk_value(field: str, value: Any, path: Path, keyed: bool, found: dict[Path, Any]) -> None:
    if isinstance(value, dict):
        _walk(value, path, keyed, found)
    elif isinstance(value, list) and keyed and value and (key := merge_key_for(field, value)):
        for item in value:
            item_path = (*path, item_element(key, item))
            found[item_path] = ITEM
            for child_key, child in item.items():
                _walk_value(child_key, child, (*item_path, "f:" + child_key), keyed, found)
    else:
        found[path] = value


# -- reading and changing an object by path -------------------------------------------
def _step(container: Any, element: str) -> Any:
    if element.startswith("f:"):
        return container.get(element[2:]) if isinstance(container, dict) else None
    if element.startswith("k:") and isinstance(container, list):
        wanted = json.loads(element[2:])
        for item in container:
            if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
                return item
    return None


_MISSING = object()


def lookup(obj: dict[str, Any], path: Path) -> Any:
    current: Any = obj
    for element in path:
        current = _step(current, element)
        if current is None:
            return _MISSING
    return current


def remove_path(obj: dict[str, Any], path: Path) -> None:
    """Remove the field (or list item) at `path`; then drop containers it left empty."""
    chain: list[Any] = [obj]
    for element in path[:-1]:
        current = _step(chain[-1], element)
        if current is None:
            return
        chain.append(current)
    _remove_element(chain[-1], path[-1])
    # prune emptied maps/lists, but never a top-level section such as spec or metadata
    for depth in range(len(path) - 1, 1, -1):
        container = chain[depth]
        if container in ({}, []):
            _remove_element(chain[depth - 1], path[depth - 1])
        else:
            break


def _remove_element(container: Any, element: str) -> None:
    if element.startswith("f:") and isinstance(container, dict):
        container.pop(element[2:], None)
    elif element.startswith("k:") and isinstance(container, list):
        target = _step(container, element)
        if target is not None:
            container.remove(target)


def human_path(path: Path) -> str:
    out = ""
    for element in path:
        if element.startswith("f:"):
            out += "." + element[2:]
        else:
            wanted = json.loads(element[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in wanted.items()) + "]"
    return out


# -- FieldsV1 -------------------------------------------------------------------------
def to_fields_v1(paths: set[Path] | dict[Path, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
        if path and path[-1].startswith("k:"):
            node["."] = {}
    return tree


def from_fields_v1(tree: Any, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    if not isinstance(tree, dict):
        return paths
    for element, child in tree.items():
        if element == ".":
            paths.add(prefix)
            continue
        path = (*prefix, element)
        if isinstance(child, dict) and child:
            paths |= from_fields_v1(child, path)
        else:
            paths.add(path)
    return paths


class Entry:
    """One `managedFields` item, with its field set parsed."""

    __slots__ = ("api_version", "manager", "operation", "paths", "subresource", "time")

    def __init__(
        self,
        manager: str,
        operation: str,
        api_version: str,
        paths: set[Path],
        subresource: str = "",
        time: str = "",
    ) -> None:
        self.manager = manager
        self.operation = operation
        self.api_version = api_version
        self.paths = paths
        self.subresource = subresource
        self.time = time or now_rfc3339()

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.paths),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def read_entries(obj: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    for raw in obj.get("metadata", {}).get("managedFields") or []:
        if not isinstance(raw, dict) or not raw.get("manager"):
            continue
        entries.append(
            Entry(
                str(raw["manager"]),
                str(raw.get("operation") or "Update"),
                str(raw.get("apiVersion") or ""),
                from_fields_v1(raw.get("fieldsV1")),
                str(raw.get("subresource") or ""),
                str(raw.get("time") or ""),
            )
        )
    return entries


def write_entries(obj: dict[str, Any], entries: list[Entry]) -> None:
    kept = [e.to_json() for e in entries if e.paths]
    meta = obj.setdefault("metadata", {})
    if kept:
        meta["managedFields"] = kept
    else:
        meta.pop("managedFields", None)


def track_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    keyed_lists: bool,
    subresource: str,
    with_status: bool,
) -> None:
    """Record a non-apply write: `manager` takes the fields it changed; removed fields
    leave every manager. Writes `new`'s managedFields."""
    entries = read_entries(old) if old is not None else []
    new_leaves = leaves(new, keyed_lists, with_status)
    if old is None:
        changed = set(new_leaves)
        removed: set[Path] = set()
    else:
        old_leaves = leaves(old, keyed_lists, with_status)
        changed = {p for p, v in new_leaves.items() if p not in old_leaves or old_leaves[p] != v}
        removed = set(old_leaves) - set(new_leaves)
    if not changed and not removed and old is not None:
        write_entries(new, entries)
        return
    mine: Entry | None = None
    for entry in entries:
        if entry.identity == (manager, "Update", subresource):
            mine = entry
        else:
            entry.paths -= changed
        entry.paths -= removed
    if changed:
        if mine is None:
            mine = Entry(manager, "Update", str(new.get("apiVersion", "")), set(), subresource)
            entries.append(mine)
        mine.paths |= changed
        mine.time = now_rfc3339()
    write_entries(new, entries)
