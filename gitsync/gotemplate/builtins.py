"""The functions text/template itself defines (``call`` is refused at parse time)."""

from __future__ import annotations

import html as _html
import urllib.parse
from collections.abc import Mapping
from typing import Any

from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, register
from gitsync.gotemplate.gofmt import sprint, sprintf, sprintln
from gitsync.gotemplate.quoting import is_print
from gitsync.gotemplate.values import MISSING, Uint8, is_true, type_name

BUILTINS: FuncMap = {}


def _absent(value: Any) -> bool:
    return value is None or value is MISSING


@register(BUILTINS, "and", "value", variadic="value")
def _and(*args: Any) -> Any:  # evaluated lazily by the executor; kept for the signature
    raise AssertionError


@register(BUILTINS, "or", "value", variadic="value")
def _or(*args: Any) -> Any:
    raise AssertionError


@register(BUILTINS, "not", "value")
def _not(value: Any) -> bool:
    return not is_true(value)


@register(BUILTINS, "len", "value")
def _len(value: Any) -> int:
    if value is None:
        raise FuncError("len of nil pointer")
    if value is MISSING:
        raise FuncError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, list | tuple | Mapping | bytes):
        return len(value)
    raise FuncError(f"len of type {type_name(value)}")


def _index_arg(index: Any, size: int) -> int:
    if _absent(index):
        raise FuncError("cannot index slice/array with nil")
    if isinstance(index, bool) or not isinstance(index, int):
        raise FuncError(f"cannot index slice/array with type {type_name(index)}")
    if index < 0 or index > size:
        raise FuncError(f"index out of range: {index}")
    return int(index)


@register(BUILTINS, "index", "value", variadic="value")
def _index(item: Any, *indexes: Any) -> Any:
    if _absent(item):
        raise FuncError("index of untyped nil")
    for index in indexes:
        if item is None:
            raise FuncError("index of nil pointer")
        if isinstance(item, str):
            data = item.encode("utf-8")
            position = _index_arg(index, len(data))
            if position == len(data):
                raise FuncError("reflect: string index out of range")
            item = Uint8(data[position])
        elif isinstance(item, list | tuple):
            position = _index_arg(index, len(item))
            if position == len(item):
                raise FuncError("reflect: slice index out of range")
            item = item[position]
        elif isinstance(item, Mapping):
            if not isinstance(index, str):
                if _absent(index):
                    raise FuncError("value is nil; should be of type string")
                raise FuncError(f"value has type {type_name(index)}; should be string")
            item = item.get(index)
        else:
            raise FuncError(f"can't index item of type {type_name(item)}")
    return item


@register(BUILTINS, "slice", "value", variadic="value")
def _slice(item: Any, *indexes: Any) -> Any:
    if _absent(item):
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        data = item.encode("utf-8")
    elif isinstance(item, list | tuple):
        data = item  # type: ignore[assignment]
    else:
        raise FuncError(f"can't slice item of type {type_name(item)}")
    bounds = [0, len(data)]
    for position, index in enumerate(indexes[:2]):
        bounds[position] = _index_arg(index, len(data))
    if len(indexes) == 3:
        _index_arg(indexes[2], len(data))
    if bounds[0] > bounds[1]:
        raise FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    part = data[bounds[0] : bounds[1]]
    return part.decode("utf-8", "replace") if isinstance(part, bytes) else list(part)


@register(BUILTINS, "print", variadic="any")
def _print(*args: Any) -> str:
    return sprint(list(args))


@register(BUILTINS, "printf", "string", variadic="any")
def _printf(fmt: str, *args: Any) -> str:
    return sprintf(fmt, list(args))


@register(BUILTINS, "println", variadic="any")
def _println(*args: Any) -> str:
    return sprintln(list(args))


def _joined(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(list(args))


@register(BUILTINS, "html", variadic="any")
def _html_escape(*args: Any) -> str:
    text = _joined(args)
    return (
        _html.escape(text, quote=False)
        .replace('"', "&#34;")
        .replace("'", "&#39;")
        .replace("\x00", "\ufffd")
    )


_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E"}
_JS.update({"&": "\\u0026", "=": "\\u003D"})


@register(BUILTINS, "js", variadic="any")
def _js(*args: Any) -> str:
    out: list[str] = []
    for char in _joined(args):
        if char in _JS:
            out.append(_JS[char])
        elif ord(char) < 0x20 or (ord(char) >= 0x80 and not is_print(char)):
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


@register(BUILTINS, "urlquery", variadic="any")
def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_joined(args), safe="")


# -- comparison ----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None or value is MISSING:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


@register(BUILTINS, "eq", "value", variadic="value")
def eq(first: Any, *others: Any) -> bool:
    if not others:
        raise FuncError("missing argument for comparison")
    kind1 = _kind(first)
    for other in others:
        kind2 = _kind(other)
        if kind1 != kind2:
            if kind1 != "invalid" and kind2 != "invalid":
                raise FuncError("incompatible types for comparison")
            continue
        if kind1 == "other":
            raise FuncError(
                f"non-comparable types {type_name(first)}: {type_name(other)}"
                if type_name(first) != type_name(other)
                else f"non-comparable type {type_name(first)}"
            )
        if kind1 == "invalid" or first == other:
            return True
    return False


@register(BUILTINS, "ne", "value", "value")
def _ne(first: Any, second: Any) -> bool:
    return not eq(first, second)


def _lt(first: Any, second: Any) -> bool:
    kind1, kind2 = _kind(first), _kind(second)
    if kind1 in ("invalid", "other") or kind2 in ("invalid", "other"):
        raise FuncError("invalid type for comparison")
    if kind1 != kind2:
        raise FuncError("incompatible types for comparison")
    if kind1 == "bool":
        raise FuncError("invalid type for comparison")
    return bool(first < second)


register(BUILTINS, "lt", "value", "value")(_lt)


@register(BUILTINS, "le", "value", "value")
def _le(first: Any, second: Any) -> bool:
    return _lt(first, second) or eq(first, second)


@register(BUILTINS, "gt", "value", "value")
def _gt(first: Any, second: Any) -> bool:
    return not (_lt(first, second) or eq(first, second))


@register(BUILTINS, "ge", "value", "value")
def _ge(first: Any, second: Any) -> bool:
    return not _lt(first, second)
