"""Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
(metadata.name, metadata.namespace, plus any dotted path with = / == / !=)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gitsync.errors import UserInputError
from gitsync.kube.labels import Selector, split_selector

from .apierror import bad_request

LabelTest = Callable[[dict[str, str]], bool]
ObjectTest = Callable[[dict[str, Any]], bool]


def _split_terms(selector: str) -> list[str]:
    return [t.strip() for t in split_selector(selector)]


def parse_label_selector(selector: str | None) -> LabelTest | None:
    """The same selector syntax the cluster layer matches client-side; 400 when invalid."""
    if not selector or not selector.strip():
        return None
    try:
        parsed = Selector(selector)
    except UserInputError as err:
        raise bad_request(str(err)) from None
    return parsed.matches


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
