"""JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.

All functions take a private copy of the live object and return the patched object.
"""

from __future__ import annotations

from typing import Any

from .apierror import ApiError, bad_request
from .mergekeys import merge_key_for


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# -- JSON patch -------------------------------------------------------------------------
def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(doc, list):
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            doc = doc[part]
        else:
            raise KeyError(part)
    return doc


def _index(container: list[Any], part: str, for_add: bool) -> int:
    if part == "-" and for_add:
        return len(container)
    index = int(part)
    if index < 0 or index > len(container) or (index == len(container) and not for_add):
        raise IndexError(part)
    return index


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        parent.insert(_index(parent, last, True), value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise KeyError(last)
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, False))
    if isinstance(parent, dict):
        return parent.pop(last)
    raise KeyError(last)


def json_patch(doc: Any, operations: Any) -> Any:
    import json

    if not isinstance(operations, list):
        raise bad_request("a JSON patch must be a list of operations")
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid JSON patch operation: {op!r}")
        kind = op["op"]
        parts = _pointer(str(op["path"]))
        try:
            if kind == "add":
                doc = _add(doc, parts, op.get("value"))
            elif kind == "remove":
                _remove(doc, parts)
            elif kind == "replace":
                _walk(doc, parts)  # must exist
                if not parts:
                    doc = op.get("value")
                else:
                    _remove(doc, parts)
                    doc = _add(doc, parts, op.get("value"))
            elif kind in ("move", "copy"):
                source = _pointer(str(op.get("from", "")))
                value = _walk(doc, source)
                if kind == "move":
                    _remove(doc, source)
                else:
                    value = json.loads(json.dumps(value))
                doc = _add(doc, parts, value)
            elif kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise ApiError(422, f"the test operation at {op['path']} failed", "Invalid")
            else:
                raise bad_request(f"unknown JSON patch operation {kind!r}")
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(
                422, f"the JSON patch operation {kind} at {op['path']} failed", "Invalid"
            ) from None
    return doc


# -- strategic merge patch --------------------------------------------------------------
def _strip_directives(patch: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in patch.items()
        if not (k.startswith("$setElementOrder/") or k.startswith("$deleteFromPrimitiveList/"))
        and k not in ("$retainKeys",)
    }


def strategic_merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = target if isinstance(target, dict) else {}
    deletions: dict[str, list[Any]] = {
        k.split("/", 1)[1]: v
        for k, v in patch.items()
        if k.startswith("$deleteFromPrimitiveList/") and isinstance(v, list)
    }
    for key, value in _strip_directives(patch).items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = value
    for key, removed in deletions.items():
        if isinstance(result.get(key), list):
            result[key] = [item for item in result[key] if item not in removed]
    return result


def _merge_list(field: str, live: Any, patch: list[Any]) -> list[Any]:
    live_items = live if isinstance(live, list) else []
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [i for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    key = merge_key_for(field, [i for i in patch if not _is_delete_marker(i)] or patch)
    if key is None or not all(isinstance(i, dict) for i in live_items):
        return [i for i in patch if not _is_delete_marker(i)]
    merged = list(live_items)
    positions = {item.get(key): n for n, item in enumerate(merged)}
    deleted: set[Any] = set()
    for item in patch:
        if not isinstance(item, dict):
            continue
        item_key = item.get(key)
        if item.get("$patch") == "delete":
            deleted.add(item_key)
            continue
        if item_key in positions:
            n = positions[item_key]
            merged[n] = strategic_merge(merged[n], item)
        else:
            positions[item_key] = len(merged)
            merged.append(strategic_merge({}, item))
    return [i for i in merged if i is not None and i.get(key) not in deleted]


def _is_delete_marker(item: Any) -> bool:
    return isinstance(item, dict) and item.get("$patch") == "delete"
