"""Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
(metadata.name, metadata.namespace, plus any dotted path with = / == / !=)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .apierror import bad_request
from .labelselector import LabelTest, SelectorSyntaxError, parse

ObjectTest = Callable[[dict[str, Any]], bool]


def _split_terms(selector: str) -> list[str]:
    return [term.strip() for term in selector.split(",") if term.strip()]


def parse_label_selector(selector: str | None) -> LabelTest | None:
    """The API server's label selector grammar; 400 when the selector breaks it."""
    if not selector or not selector.strip():
        return None
    try:
        return parse(selector)
    except SelectorSyntaxError as err:
        raise bad_request(f"unable to parse requirement: {err}") from None


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
