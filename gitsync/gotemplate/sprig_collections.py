"""Sprig's list, dict, default and reflection functions."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from gitsync.gotemplate.convert import (
    as_list,
    check_items,
    deep_equal,
    deep_equal_unchecked,
    empty,
    strval,
    to_int64,
)
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import F, FuncMap, alias, register
from gitsync.gotemplate.limits import check_tree
from gitsync.gotemplate.values import MISSING, kind_name, sorted_keys, type_name

COLLECTIONS: FuncMap = {}


def _must(name: str, *params: str, variadic: str | None = None) -> Callable[[F], F]:
    """Register `name` and Sprig's ``mustName`` twin (same behaviour: both report errors)."""

    def add(impl: F) -> F:
        register(COLLECTIONS, name, *params, variadic=variadic)(impl)
        alias(COLLECTIONS, "must" + name[0].upper() + name[1:], name)
        return impl

    return add


# -- lists ---------------------------------------------------------------------------------


@register(COLLECTIONS, "list", variadic="any")
def _list(*values: Any) -> list[Any]:
    return list(values)


alias(COLLECTIONS, "tuple", "list")


@_must("push", "any", "any")
def _push(values: Any, item: Any) -> list[Any]:
    items = as_list(values, "push")
    check_items(len(items) + 1, "append")
    return [*items, item]


alias(COLLECTIONS, "append", "push")
alias(COLLECTIONS, "mustAppend", "push")


@_must("prepend", "any", "any")
def _prepend(values: Any, item: Any) -> list[Any]:
    items = as_list(values, "prepend")
    check_items(len(items) + 1, "prepend")
    return [item, *items]


@_must("chunk", "int", "any")
def _chunk(size: int, values: Any) -> list[list[Any]]:
    items = as_list(values, "chunk")
    if size <= 0:
        raise FuncError("runtime error: integer divide by zero")
    return [items[i : i + size] for i in range(0, len(items), size)]


@_must("first", "any")
def _first(values: Any) -> Any:
    items = as_list(values, "first")
    return items[0] if items else None


@_must("last", "any")
def _last(values: Any) -> Any:
    items = as_list(values, "last")
    return items[-1] if items else None


@_must("rest", "any")
def _rest(values: Any) -> Any:
    items = as_list(values, "rest")
    return items[1:] if items else None


@_must("initial", "any")
def _initial(values: Any) -> Any:
    items = as_list(values, "initial")
    return items[:-1] if items else None


@_must("reverse", "any")
def _reverse(values: Any) -> list[Any]:
    return list(reversed(as_list(values, "reverse")))


@_must("compact", "any")
def _compact(values: Any) -> list[Any]:
    return [item for item in as_list(values, "compact") if not empty(item)]


class _Members:
    """A set under reflect.DeepEqual: scalars hashed by Go type and value, containers
    compared one by one (their comparisons are bounded)."""

    def __init__(self, items: list[Any], function: str) -> None:
        check_tree(items, function)
        self.function = function
        self.scalars: set[tuple[str, Any]] = set()
        self.containers: list[Any] = []
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        if isinstance(item, Mapping | list | tuple):
            self.containers.append(item)
            check_items(len(self.containers) * len(self.containers), self.function)
        else:
            self.scalars.add(_scalar_key(item))

    def __contains__(self, item: Any) -> bool:
        if isinstance(item, Mapping | list | tuple):
            check_tree(item, self.function)
            return any(deep_equal_unchecked(item, other) for other in self.containers)
        return _scalar_key(item) in self.scalars


def _scalar_key(item: Any) -> tuple[str, Any]:
    if item is MISSING:
        item = None
    if isinstance(item, float) and item != item:
        return ("float64", id(item))  # NaN equals nothing, itself included
    try:
        hash(item)
    except TypeError:
        return (type_name(item), id(item))
    return (type_name(item), item)


@_must("uniq", "any")
def _uniq(values: Any) -> list[Any]:
    items = as_list(values, "uniq")
    check_tree(items, "uniq")
    seen = _Members([], "uniq")
    out: list[Any] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


@_must("without", "any", variadic="any")
def _without(values: Any, *omit: Any) -> list[Any]:
    excluded = _Members(list(omit), "without")
    items = as_list(values, "without")
    check_tree(items, "without")
    return [item for item in items if item not in excluded]


@_must("has", "any", "any")
def _has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return needle in _Members(as_list(haystack, "has"), "has")


@_must("slice", "any", variadic="any")
def _slice(values: Any, *indices: Any) -> Any:
    if not isinstance(values, list | tuple):
        raise FuncError(f"list should be type of slice or array but {kind_name(values)}")
    if not values:
        return None
    start = to_int64(indices[0]) if indices else 0
    end = to_int64(indices[1]) if len(indices) > 1 else len(values)
    if not 0 <= start <= end <= len(values):
        raise FuncError(f"reflect: slice index out of range [{start}:{end}]")
    return list(values[start:end])


@register(COLLECTIONS, "concat", variadic="any")
def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for values in lists:
        if not isinstance(values, list | tuple):
            raise FuncError(f"Cannot concat type {kind_name(values)} as list")
        check_items(len(out) + len(values), "concat")
        out.extend(values)
    return out


@register(COLLECTIONS, "dig", variadic="any")
def _dig(*args: Any) -> Any:
    if len(args) < 3:
        raise FuncError("dig needs at least three arguments")
    current = args[-1]
    default = args[-2]
    keys = args[:-2]
    for key in keys:
        if not isinstance(key, str):
            raise FuncError(f"interface conversion: interface {{}} is {type_name(key)}, not string")
    for index, key in enumerate(keys):
        if not isinstance(current, Mapping):
            raise FuncError(
                f"interface conversion: interface {{}} is {type_name(current)}, "
                "not map[string]interface {}"
            )
        if key not in current:
            return default
        current = current[key]
        if index == len(keys) - 1:
            return current
    return current


# -- dicts ---------------------------------------------------------------------------------


@register(COLLECTIONS, "dict", variadic="any")
def _dict(*pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index in range(0, len(pairs), 2):
        key = strval(pairs[index])
        out[key] = pairs[index + 1] if index + 1 < len(pairs) else ""
    return out


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


register(COLLECTIONS, "get", "map", "string")(lambda d, key: _map(d).get(key, ""))


@register(COLLECTIONS, "set", "map", "string", "any")
def _set(mapping: Any, key: str, value: Any) -> Any:
    if mapping is None:
        raise FuncError("assignment to entry in nil map")
    check_items(len(mapping) + 1, "set")
    mapping[key] = value
    return mapping


@register(COLLECTIONS, "unset", "map", "string")
def _unset(mapping: Any, key: str) -> Any:
    if mapping is not None:
        mapping.pop(key, None)
    return mapping


register(COLLECTIONS, "hasKey", "map", "string")(lambda d, key: key in _map(d))


@register(COLLECTIONS, "pluck", "string", variadic="map")
def _pluck(key: str, *mappings: Any) -> list[Any]:
    return [_map(m)[key] for m in mappings if key in _map(m)]


@register(COLLECTIONS, "keys", variadic="map")
def _keys(*mappings: Any) -> list[Any]:
    # Go's map order is random; sorted keys are what a deterministic render can offer.
    out: list[Any] = []
    for mapping in mappings:
        out.extend(sorted_keys(_map(mapping)))
    return out


@register(COLLECTIONS, "pick", "map", variadic="string")
def _pick(mapping: Any, *keys: str) -> dict[str, Any]:
    source = _map(mapping)
    return {key: source[key] for key in keys if key in source}


@register(COLLECTIONS, "omit", "map", variadic="string")
def _omit(mapping: Any, *keys: str) -> dict[str, Any]:
    return {key: value for key, value in _map(mapping).items() if key not in keys}


@register(COLLECTIONS, "values", "map")
def _values(mapping: Any) -> list[Any]:
    source = _map(mapping)
    return [source[key] for key in sorted_keys(source)]


def _merge_into(target: dict[str, Any], source: Mapping[str, Any], overwrite: bool) -> None:
    for key, value in source.items():
        current = target.get(key, MISSING)
        if isinstance(current, dict) and isinstance(value, Mapping):
            _merge_into(current, value, overwrite)
        elif current is MISSING or empty(current) or (overwrite and not empty(value)):
            target[key] = copy.deepcopy(value) if isinstance(value, dict | list) else value


def _merger(overwrite: bool) -> Any:
    def merge(target: Any, *sources: Any) -> Any:
        if target is None:
            raise FuncError("src and dst must be of same type")
        for source in sources:
            check_tree(source, "merge")
            _merge_into(target, _map(source), overwrite)
        return target

    return merge


register(COLLECTIONS, "merge", "map", variadic="map")(_merger(False))
register(COLLECTIONS, "mergeOverwrite", "map", variadic="map")(_merger(True))
alias(COLLECTIONS, "mustMerge", "merge")
alias(COLLECTIONS, "mustMergeOverwrite", "mergeOverwrite")


@_must("deepCopy", "any")
def _deep_copy(value: Any) -> Any:
    return copy.deepcopy(value)


# -- defaults ------------------------------------------------------------------------------


@register(COLLECTIONS, "default", "any", variadic="any")
def _default(fallback: Any, *given: Any) -> Any:
    if not given or empty(given[0]):
        return fallback
    return given[0]


register(COLLECTIONS, "empty", "any")(empty)
register(COLLECTIONS, "coalesce", variadic="any")(
    lambda *values: next((v for v in values if not empty(v)), None)
)
register(COLLECTIONS, "all", variadic="any")(lambda *values: all(not empty(v) for v in values))
register(COLLECTIONS, "any", variadic="any")(lambda *values: any(not empty(v) for v in values))
register(COLLECTIONS, "ternary", "any", "any", "bool")(
    lambda when_true, when_false, condition: when_true if condition else when_false
)
register(COLLECTIONS, "fail", "string")(lambda message: _fail(message))


def _fail(message: str) -> str:
    raise FuncError(message)


# -- reflection ----------------------------------------------------------------------------

register(COLLECTIONS, "typeOf", "any")(type_name)
register(COLLECTIONS, "typeIs", "string", "any")(lambda target, value: target == type_name(value))
register(COLLECTIONS, "typeIsLike", "string", "any")(
    lambda target, value: target in (type_name(value), "*" + type_name(value))
)
register(COLLECTIONS, "kindOf", "any")(kind_name)
register(COLLECTIONS, "kindIs", "string", "any")(lambda target, value: target == kind_name(value))
register(COLLECTIONS, "deepEqual", "any", "any")(deep_equal)
