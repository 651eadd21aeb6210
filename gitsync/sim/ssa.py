"""Server-side apply: merge an applied configuration into the live object, own its fields,
drop the fields this manager applied before and no longer applies (unless another manager
owns them), and report conflicts with other managers unless forced."""

from __future__ import annotations

from typing import Any

from .apierror import ApiError
from .managedfields import (
    ITEM,
    Entry,
    Path,
    human_path,
    leaves,
    lookup,
    now_rfc3339,
    read_entries,
    remove_path,
    write_entries,
)
from .mergekeys import merge_key_for


def merge_applied(live: Any, applied: Any, keyed_lists: bool, field: str = "") -> Any:
    if isinstance(applied, dict):
        result = live if isinstance(live, dict) else {}
        for key, value in applied.items():
            result[key] = merge_applied(result.get(key), value, keyed_lists, key)
        return result
    if isinstance(applied, list) and keyed_lists and isinstance(live, list) and applied:
        key = merge_key_for(field, applied)
        if key is not None and all(isinstance(i, dict) for i in live):
            # live order kept; newly applied items go at the end
            applied_by_key = {item.get(key): item for item in applied}
            merged = [
                merge_applied(item, applied_by_key[item.get(key)], keyed_lists)
                if item.get(key) in applied_by_key
                else item
                for item in live
            ]
            live_keys = {item.get(key) for item in live}
            merged.extend(
                merge_applied(None, item, keyed_lists)
                for item in applied
                if item.get(key) not in live_keys
            )
            return merged
    return applied


def _conflict_error(conflicts: list[tuple[Entry, Path]]) -> ApiError:
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f'conflict with "{entry.manager}" using {entry.api_version}',
            "field": human_path(path),
        }
        for entry, path in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        detail = f'conflict with "{entry.manager}" using {entry.api_version}: {human_path(path)}'
        message = f"Apply failed with 1 conflict: {detail}"
    else:
        lines = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
        message = f"Apply failed with {len(conflicts)} conflicts:\n{lines}"
    error = ApiError(409, message, "Conflict")
    error.causes = causes
    return error


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    keyed_lists: bool,
    with_status: bool,
    subresource: str = "",
) -> dict[str, Any]:
    """The object after applying `applied` as `manager`. `live` is a private copy (or None);
    raises ApiError 409 on conflicts when not forced."""
    applied_leaves = leaves(applied, keyed_lists, with_status)
    entries = read_entries(live) if live is not None else []
    mine_identity = (manager, "Apply", subresource)
    others = [e for e in entries if e.identity != mine_identity]
    conflicts: list[tuple[Entry, Path]] = []
    if live is not None:
        for entry in others:
            for path in entry.paths & applied_leaves.keys():
                value = applied_leaves[path]
                if value is ITEM:
                    continue
                if lookup(live, path) != value:
                    conflicts.append((entry, path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for entry, path in conflicts:
        entry.paths.discard(path)
    previous: set[Path] = set()
    for entry in entries:
        if entry.identity == mine_identity:
            previous = entry.paths
    base = live if live is not None else {}
    merged: dict[str, Any] = merge_applied(base, _strip_identity(applied), keyed_lists)
    for key in ("apiVersion", "kind"):
        if key in applied:
            merged[key] = applied[key]
    owned_by_others: set[Path] = set()
    for entry in others:
        owned_by_others |= entry.paths
    for path in sorted(previous - applied_leaves.keys(), key=len, reverse=True):
        if path in owned_by_others or any(
            p[: len(path)] == path for p in owned_by_others if len(p) > len(path)
        ):
            continue
        remove_path(merged, path)
    mine = Entry(
        manager,
        "Apply",
        str(applied.get("apiVersion", "")),
        set(applied_leaves),
        subresource,
        now_rfc3339(),
    )
    write_entries(merged, [*others, mine])
    return merged


def _strip_identity(applied: dict[str, Any]) -> dict[str, Any]:
    """The applied object without fields the server owns (resourceVersion, uid, ...)."""
    meta = applied.get("metadata")
    if not isinstance(meta, dict):
        return applied
    cleaned = dict(applied)
    cleaned["metadata"] = {
        k: v
        for k, v in meta.items()
        if k not in ("managedFields", "uid", "creationTimestamp", "generation", "resourceVersion")
    }
    return cleaned
