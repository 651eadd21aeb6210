"""Joining two param sets: without conflicts (matrix), or later-wins (merge)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.appset.errors import FieldError
from gitsync.appset.templating import Params


def combine_strict(first: Params, second: Params, field: str) -> Params:
    """Union of two param sets; a key both give with different values is an error."""
    return _merge(first, second, field, key_path="")


def _merge(
    first: Mapping[str, Any], second: Mapping[str, Any], field: str, key_path: str
) -> Params:
    result: Params = dict(first)
    for key, value in second.items():
        name = f"{key_path}{key}"
        if key not in result:
            result[key] = value
            continue
        current = result[key]
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = _merge(current, value, field, f"{name}.")
        elif current != value:
            raise FieldError(
                field,
                f"parameter {name!r} has two different values: {_short(current)} from one "
                f"generator and {_short(value)} from the other",
            )
    return result


def override(base: Params, later: Params, *, deep: bool) -> Params:
    """`later` over `base`; with `deep`, nested mappings are merged key by key."""
    result: Params = dict(base)
    for key, value in later.items():
        current = result.get(key)
        if deep and isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = override(dict(current), dict(value), deep=True)
        else:
            result[key] = value
    return result


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
