"""Label selectors (``app=web,tier!=db,env in (a,b),!legacy``) matched client-side.

The cache filters objects it already holds by the same syntax the API server accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from gitsync.errors import UserInputError

Requirement = Callable[[Mapping[str, str]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_RE = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def split_selector(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _equals(key: str, value: str) -> Requirement:
    return lambda labels: labels.get(key) == value


def _requirement(text: str) -> Requirement:
    if m := _SET_RE.match(text):
        key, op = m.group(2), m.group(3)
        values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _EQ_RE.match(text):
        key, op, value = m.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _EXISTS_RE.match(text):
        negate, key = m.groups()
        if negate:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise UserInputError(f"invalid label selector requirement {text.strip()!r}")


class Selector:
    """A parsed selector; an empty one matches everything."""

    def __init__(self, selector: str | Mapping[str, str] | None) -> None:
        if selector is None:
            self._requirements: list[Requirement] = []
        elif isinstance(selector, str):
            self._requirements = [_requirement(part) for part in split_selector(selector)]
        else:
            self._requirements = [_equals(k, v) for k, v in selector.items()]

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(requirement(labels) for requirement in self._requirements)
