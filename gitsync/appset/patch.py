"""A small strategic merge for `templatePatch`: mappings merge key by key, lists of
mappings that all carry a `name` merge by name, other lists are replaced, and a null
value removes the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def strategic_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(patch, Mapping):
        result = dict(base)
        for key, value in patch.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = strategic_merge(result[key], value)
            else:
                result[key] = value
        return result
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        merged = list(base)
        positions = {item["name"]: i for i, item in enumerate(merged)}
        for item in patch:
            if item["name"] in positions:
                index = positions[item["name"]]
                merged[index] = strategic_merge(merged[index], item)
            else:
                positions[item["name"]] = len(merged)
                merged.append(item)
        return merged
    return patch


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, Mapping) and "name" in i for i in items)
