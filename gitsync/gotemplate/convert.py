"""Sprig's conversions (spf13/cast semantics), Go's deep equality and size checks."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from gitsync.gotemplate.errors import FuncError, TemplateBoundError
from gitsync.gotemplate.limits import CURRENT_LIMITS, check_tree
from gitsync.gotemplate.values import MISSING, GoObject, StringList, format_value, kind_name

_GO_INT = re.compile(
    r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)"
)


def wrap64(value: int) -> int:
    """Go's int64 overflow: wrap around."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _parse_go_int(text: str) -> int | None:
    if not _GO_INT.fullmatch(text):
        return None
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-").replace("_", "")
    if len(body) > 1 and body[0] == "0" and body[1] in "0123456789":
        value = int(body, 8)
    else:
        value = int(body, 0)
    value *= sign
    return value if -(1 << 63) <= value < (1 << 63) else None


def to_int64(value: Any) -> int:
    """cast.ToInt64: numbers truncate, strings parse as Go literals, anything else is 0."""
    if value is None or value is MISSING:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return wrap64(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return -(1 << 63)
        return wrap64(int(value))
    if isinstance(value, str):
        text = value
        if "." in text:
            head, _, tail = text.partition(".")
            if tail and set(tail) == {"0"}:
                text = head
        parsed = _parse_go_int(text)
        return parsed if parsed is not None else 0
    return 0


def to_float64(value: Any) -> float:
    """cast.ToFloat64."""
    if value is None or value is MISSING:
        return 0.0
    if isinstance(value, bool | int):
        return float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            text = value.strip() if value == value.strip() else "x"
            return float(text) if "_" not in text else 0.0
        except ValueError:
            return 0.0
    return 0.0


def strval(value: Any) -> str:
    """Sprig's toString: strings as they are, anything else as ``%v`` prints it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return format_value(value)


def as_list(value: Any, function: str) -> list[Any]:
    """The list Sprig's reflective list functions accept; FuncError for other kinds."""
    if isinstance(value, list | tuple):
        return list(value)
    raise FuncError(f"Cannot find {function} on type {kind_name(value)}")


def str_slice(value: Any) -> StringList:
    """Sprig's toStrings: a list's non-nil items as strings, a scalar as a 1-item list."""
    if isinstance(value, list | tuple):
        return StringList(strval(item) for item in value if item is not None)
    if value is None or value is MISSING:
        return StringList()
    return StringList([strval(value)])


def empty(value: Any) -> bool:
    """Sprig's empty: the zero value of its type (nil, "", 0, false, empty list/map)."""
    if value is None or value is MISSING:
        return True
    if isinstance(value, bool | int | float | str | list | tuple | bytes):
        return not value
    if isinstance(value, Mapping):
        return len(value) == 0
    return False


def deep_equal(first: Any, second: Any) -> bool:
    """reflect.DeepEqual: same Go type and equal contents (``1`` is not ``1.0``)."""
    check_tree(first, "deepEqual")
    check_tree(second, "deepEqual")
    return deep_equal_unchecked(first, second)


def deep_equal_unchecked(first: Any, second: Any) -> bool:
    """deep_equal of values whose size was checked."""
    if first is MISSING:
        first = None
    if second is MISSING:
        second = None
    if type(first) is not type(second):
        if isinstance(first, GoObject) or isinstance(second, GoObject):
            return False
        return False
    if isinstance(first, list | tuple):
        return len(first) == len(second) and all(
            deep_equal_unchecked(a, b) for a, b in zip(first, second, strict=True)
        )
    if isinstance(first, Mapping):
        return first.keys() == second.keys() and all(
            deep_equal_unchecked(first[k], second[k]) for k in first
        )
    return bool(first == second)


def check_items(count: int, function: str) -> None:
    limit = CURRENT_LIMITS.get().max_iterations
    if count > limit:
        raise TemplateBoundError(
            f"{function}: {count} items exceed {limit} (bound: template loop iterations)"
        )


def check_chars(count: int, function: str) -> None:
    limit = CURRENT_LIMITS.get().max_output_bytes
    if count > limit:
        raise TemplateBoundError(
            f"{function}: result of {count} characters exceeds {limit} "
            "(bound: template output size)"
        )


__all__ = ["CURRENT_LIMITS", "check_tree"]
