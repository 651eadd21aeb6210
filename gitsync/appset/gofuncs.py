"""The template functions goTemplate mode offers: a subset of Go's builtins and Sprig.

Each function takes its arguments in Go order, so that a pipe ``{{ .x | trunc 5 }}``
becomes ``trunc(5, x)`` (Go passes the piped value last). They only ever index mappings
and lists, never Python attributes, so nothing here reaches interpreter internals.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from gitsync.appset.names import normalize_name, slugify


def go_format(value: Any) -> str:
    """How Go's text/template prints a value."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, Mapping):
        items = " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value, key=str))
        return f"map[{items}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else go_format(value)


def _index(collection: Any, *keys: Any) -> Any:
    current = collection
    for key in keys:
        if isinstance(current, Mapping):
            if key not in current:
                return None
            current = current[key]
        elif isinstance(current, list | tuple):
            if isinstance(key, bool) or not isinstance(key, int):
                raise TypeError(f"cannot index a list with {key!r}")
            if not 0 <= key < len(current):
                raise IndexError(f"index {key} out of range (length {len(current)})")
            current = current[key]
        else:
            raise TypeError(f"cannot index {go_format(current)!r}")
    return current


def _default(fallback: Any, *given: Any) -> Any:
    value = given[0] if given else None
    return value if _truth(value) else fallback


def _truth(value: Any) -> bool:
    return bool(value)


def _trunc(length: int, text: Any) -> str:
    value = _text(text)
    if length >= 0:
        return value[:length]
    return value[length:] if -length < len(value) else value


def _printf(fmt: str, *args: Any) -> str:
    # Go verbs to Python: %v/%s print the Go form; %d, %f and friends map directly.
    converted: list[Any] = []
    verbs = re.findall(r"%[-+ #0]*\d*(?:\.\d+)?([a-zA-Z%])", fmt)
    python_fmt = re.sub(r"%([-+ #0]*\d*(?:\.\d+)?)[vqt]", r"%\1s", fmt)
    arg_verbs = [v for v in verbs if v != "%"]
    for verb, arg in zip(arg_verbs, args, strict=False):
        if verb == "q":
            converted.append(json.dumps(_text(arg)))
        elif verb in ("v", "s", "t"):
            converted.append(_text(arg))
        else:
            converted.append(arg)
    try:
        return python_fmt % tuple(converted)
    except (TypeError, ValueError) as err:
        raise ValueError(f"printf {fmt!r}: {err}") from None


def _to_yaml(value: Any) -> str:
    if value is None:
        return ""
    text: str = yaml.dump(_plain(value), Dumper=yaml.CSafeDumper, sort_keys=True)
    return text.rstrip("\n")


def _to_json(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _indent(spaces: int, text: Any) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in _text(text).split("\n"))


def _eq(first: Any, *others: Any) -> bool:
    return any(first == other for other in others)


def _and(*args: Any) -> Any:
    for arg in args:
        if not _truth(arg):
            return arg
    return args[-1] if args else None


def _or(*args: Any) -> Any:
    for arg in args:
        if _truth(arg):
            return arg
    return args[-1] if args else None


def _required(message: str, value: Any) -> Any:
    if value is None or value == "":
        raise ValueError(message)
    return value


def _slugify(*args: Any) -> str:
    # Sprig-style: slugify [maxSize [smartTruncate]] name
    name = _text(args[-1]) if args else ""
    size = int(args[0]) if len(args) > 1 else 50
    smart = bool(args[1]) if len(args) > 2 else True
    return slugify(name, size, smart)


def _items(value: Any) -> list[tuple[Any, Any]]:
    """What `range` iterates: (index, item) of a list, (key, value) of a mapping by key."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(k, value[k]) for k in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return list(enumerate(value))
    raise TypeError(f"range can't iterate over {go_format(value)}")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "and": _and,
    "b64enc": lambda s: base64.b64encode(_text(s).encode()).decode(),
    "contains": lambda sub, s: _text(sub) in _text(s),
    "default": _default,
    "empty": lambda v: not _truth(v),
    "eq": _eq,
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "hasPrefix": lambda prefix, s: _text(s).startswith(_text(prefix)),
    "hasSuffix": lambda suffix, s: _text(s).endswith(_text(suffix)),
    "indent": _indent,
    "index": _index,
    "join": lambda sep, items: _text(sep).join(_text(i) for i in (items or [])),
    "le": lambda a, b: a <= b,
    "len": lambda v: len(v) if v is not None else 0,
    "lower": lambda s: _text(s).lower(),
    "lt": lambda a, b: a < b,
    "ne": lambda a, b: a != b,
    "nindent": lambda n, s: "\n" + _indent(n, s),
    "normalize": lambda s: normalize_name(_text(s)),
    "not": lambda v: not _truth(v),
    "or": _or,
    "print": lambda *args: "".join(_text(a) for a in args),
    "printf": _printf,
    "quote": lambda *args: " ".join(json.dumps(_text(a)) for a in args),
    "replace": lambda old, new, s: _text(s).replace(_text(old), _text(new)),
    "required": _required,
    "slugify": _slugify,
    "splitList": lambda sep, s: _text(s).split(_text(sep)),
    "squote": lambda *args: " ".join(f"'{_text(a)}'" for a in args),
    "ternary": lambda yes, no, cond: yes if _truth(cond) else no,
    "title": lambda s: _text(s).title(),
    "toJson": _to_json,
    "toString": _text,
    "toYaml": _to_yaml,
    "trim": lambda s: _text(s).strip(),
    "trimPrefix": lambda prefix, s: _text(s).removeprefix(_text(prefix)),
    "trimSuffix": lambda suffix, s: _text(s).removesuffix(_text(suffix)),
    "trunc": _trunc,
    "upper": lambda s: _text(s).upper(),
}

# Helpers the generated Jinja code calls that users cannot name.
INTERNAL: dict[str, Callable[..., Any]] = {"items": _items}
