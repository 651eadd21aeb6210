"""Where two normalised objects differ, as JSON pointers (hand-written: ``==`` first)."""

from __future__ import annotations

from typing import Any

from gitsync.diff.paths import ConcretePath, to_pointer


def changed_paths(a: Any, b: Any) -> list[str]:
    """JSON pointers of the smallest subtrees that differ between `a` and `b`, sorted."""
    found: list[ConcretePath] = []
    _walk(a, b, (), found)
    return [to_pointer(p) for p in found]


def _walk(a: Any, b: Any, prefix: ConcretePath, found: list[ConcretePath]) -> None:
    if _equal(a, b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in a or key not in b:
                found.append((*prefix, key))
            else:
                _walk(a[key], b[key], (*prefix, key), found)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, (*prefix, index), found)
        return
    found.append(prefix)


def _equal(a: Any, b: Any) -> bool:
    # Python says True == 1, JSON does not: scalars of different types are a change.
    if a != b:
        return False
    return type(a) is type(b) or not (isinstance(a, bool) or isinstance(b, bool))
