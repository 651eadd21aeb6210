"""Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
(metadata.name, metadata.namespace, plus any dotted path with = / == / !=)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .apierror import bad_request

LabelTest = Callable[[dict[str, str]], bool]
ObjectTest = Callable[[dict[str, Any]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split_terms(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    terms: list[str] = []
    depth = 0
    current = ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [t for t in (t.strip() for t in terms) if t]


def _label_term(term: str) -> LabelTest:
    match = _EQ_RE.match(term)
    if match:
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    match = _SET_RE.match(term)
    if not match:
        raise bad_request(f"unable to parse requirement: {term!r}")
    negated, key, op, values = match.groups()
    if op:
        if negated:
            raise bad_request(f"unable to parse requirement: {term!r}")
        allowed = {v.strip() for v in values.split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in allowed
        return lambda labels: labels.get(key) not in allowed
    if negated:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def parse_label_selector(selector: str | None) -> LabelTest | None:
    if not selector or not selector.strip():
        return None
    tests = [_label_term(term) for term in _split_terms(selector)]
    return lambda labels: all(test(labels) for test in tests)


def _field_value(obj: dict[str, Any], path: str) -> str | None:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    if current is None:
        return None
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def parse_field_selector(selector: str | None) -> ObjectTest | None:
    if not selector or not selector.strip():
        return None
    tests: list[ObjectTest] = []
    for term in _split_terms(selector):
        match = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not match:
            raise bad_request(f"invalid field selector: {term!r}")
        path, op, value = match.groups()
        tests.append(_field_term(path, value, negated=op == "!="))
    return lambda obj: all(test(obj) for test in tests)


def _field_term(path: str, value: str, negated: bool) -> ObjectTest:
    def test(obj: dict[str, Any]) -> bool:
        return ((_field_value(obj, path) or "") == value) != negated

    return test


def labels_of(obj: dict[str, Any]) -> dict[str, str]:
    labels = obj.get("metadata", {}).get("labels")
    return labels if isinstance(labels, dict) else {}
