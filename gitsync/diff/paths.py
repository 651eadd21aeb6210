"""Path patterns into plain-dict objects, and removing what they match.

Every ignore rule (JSON pointer, jq path expression, managed-fields set) becomes a
`Pattern`: a tuple of segments that is evaluated against one object to give the concrete
paths (tuples of str keys and int indices) that exist in it. Evaluating per object matters
because a list item named ``nginx`` may sit at index 0 in Git and index 1 live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ConcretePath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Key:
    """A mapping key; on a list, a decimal key is an index (JSON pointer semantics)."""

    name: str


@dataclass(frozen=True, slots=True)
class Index:
    """A list position in a path (jq ``[n]``)."""

    index: int


@dataclass(frozen=True, slots=True)
class Each:
    """Every item of a list, or every value of a mapping (jq ``[]``)."""


@dataclass(frozen=True, slots=True)
class Select:
    """Keep the current value only if the value at `path` inside it equals `value`."""

    path: tuple[str | int, ...]
    value: Any
    negate: bool = False


@dataclass(frozen=True, slots=True)
class ItemWithKeys:
    """The list items whose fields include all of `fields` (managedFields ``k:{...}``)."""

    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ItemEqualTo:
    """The list items equal to `value` (managedFields ``v:...``, sets of scalars)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Query:
    """The paths a program computes from the value (a jq expression): `run(value)`.

    `text` is the expression, for messages and for comparing rules.
    """

    run: Callable[[Any], list[ConcretePath]] = field(compare=False)
    text: str = ""


Segment = Key | Index | Each | Select | ItemWithKeys | ItemEqualTo | Query
Pattern = tuple[Segment, ...]

_MISSING = object()


def lookup(obj: Any, path: tuple[str | int, ...]) -> Any:
    """The value at a concrete path, or `_MISSING`."""
    current = obj
    for part in path:
        if isinstance(part, int) and isinstance(current, list):
            if not 0 <= part < len(current):
                return _MISSING
            current = current[part]
        elif isinstance(part, str) and isinstance(current, dict):
            if part not in current:
                return _MISSING
            current = current[part]
        else:
            return _MISSING
    return current


def evaluate(obj: Any, pattern: Pattern) -> Iterator[ConcretePath]:
    """Every concrete path in `obj` that `pattern` matches."""
    yield from _evaluate(obj, pattern, 0, ())


def _evaluate(
    value: Any, pattern: Pattern, at: int, prefix: ConcretePath
) -> Iterator[ConcretePath]:
    if at == len(pattern):
        yield prefix
        return
    segment = pattern[at]
    if isinstance(segment, Query):
        for found in segment.run(value):
            path = _resolved(value, found)
            if path is not None:
                yield from _evaluate(lookup(value, path), pattern, at + 1, (*prefix, *path))
        return
    for step, child in _step(value, segment):
        yield from _evaluate(
            child, pattern, at + 1, (*prefix, step) if step is not None else prefix
        )


def _step(value: Any, segment: Segment) -> Iterator[tuple[str | int | None, Any]]:
    # Yields (path part, child); a None part means "stay on this value" (a filter).
    if isinstance(segment, Key):
        if isinstance(value, dict) and segment.name in value:
            yield segment.name, value[segment.name]
        elif isinstance(value, list) and segment.name.isdigit():
            index = int(segment.name)
            if index < len(value):
                yield index, value[index]
    elif isinstance(segment, Index):
        if isinstance(value, list):
            index = segment.index if segment.index >= 0 else len(value) + segment.index
            if 0 <= index < len(value):
                yield index, value[index]
    elif isinstance(segment, Each):
        if isinstance(value, list):
            yield from enumerate(value)
        elif isinstance(value, dict):
            yield from value.items()
    elif isinstance(segment, Select):
        found = lookup(value, segment.path)
        matches = found is not _MISSING and _same(found, segment.value)
        if matches != segment.negate:
            yield None, value
    elif isinstance(segment, ItemWithKeys):
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict) and all(
                    k in item and _same(item[k], v) for k, v in segment.fields
                ):
                    yield index, item
    elif isinstance(segment, ItemEqualTo) and isinstance(value, list):
        for index, item in enumerate(value):
            if _same(item, segment.value):
                yield index, item


def _resolved(obj: Any, path: ConcretePath) -> ConcretePath | None:
    """`path` with negative list indices counted from the end; None if it is not in `obj`."""
    out: list[str | int] = []
    current = obj
    for part in path:
        if isinstance(part, int) and isinstance(current, list):
            index = part + len(current) if part < 0 else part
            if not 0 <= index < len(current):
                return None
            out.append(index)
            current = current[index]
        elif isinstance(part, str) and isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        else:
            return None
    return tuple(out)


def _same(a: Any, b: Any) -> bool:
    # JSON equality: True is not 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def remove_paths(obj: Any, paths: list[ConcretePath]) -> None:
    """Delete every path from `obj` in place (missing ones are skipped).

    Deepest and highest-index paths go first, so earlier deletions never shift the list
    indices of later ones.
    """
    for path in sorted(set(paths), key=_sort_key, reverse=True):
        if not path:
            continue
        parent = lookup(obj, path[:-1])
        last = path[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            del parent[last]


def _sort_key(path: ConcretePath) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in path)


def to_pointer(path: ConcretePath) -> str:
    """RFC 6901 JSON pointer for a concrete path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(pointer: str) -> Pattern:
    """``/spec/replicas`` -> pattern. The empty pointer (whole document) is refused."""
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    parts = pointer[1:].split("/")
    return tuple(Key(p.replace("~1", "/").replace("~0", "~")) for p in parts)
