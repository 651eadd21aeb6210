"""Kubernetes label selectors (matchLabels + matchExpressions) over string maps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.appset.errors import FieldError

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True)
class Requirement:
    """One matchExpressions entry: key, operator (In, NotIn, Exists, DoesNotExist), values."""

    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "Exists":
            return present
        if self.operator == "DoesNotExist":
            return not present
        if self.operator == "In":
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values  # NotIn


@dataclass(frozen=True)
class Selector:
    """A label selector of a RollingSync step (matchExpressions, all must hold)."""

    requirements: tuple[Requirement, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def parse_selector(raw: Any, field: str) -> Selector:
    """A Selector from ``{matchLabels: {...}, matchExpressions: [...]}``; None is empty."""
    if raw is None:
        return Selector()
    if not isinstance(raw, Mapping):
        raise FieldError(field, "must be a label selector (matchLabels / matchExpressions)")
    unknown = sorted(set(raw) - {"matchLabels", "matchExpressions"})
    if unknown:
        raise FieldError(
            field, f"unknown selector field {unknown[0]!r} (use matchLabels / matchExpressions)"
        )
    requirements: list[Requirement] = []
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise FieldError(f"{field}.matchLabels", "must be a mapping of label: value")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise FieldError(f"{field}.matchLabels.{key}", "must be a string (quote it)")
        requirements.append(Requirement(str(key), "In", frozenset([value])))
    expressions = raw.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise FieldError(f"{field}.matchExpressions", "must be a list")
    for index, expr in enumerate(expressions):
        requirements.append(_expression(expr, f"{field}.matchExpressions[{index}]"))
    return Selector(tuple(requirements))


def _expression(expr: Any, field: str) -> Requirement:
    if not isinstance(expr, Mapping):
        raise FieldError(field, "must be a mapping with key, operator and values")
    key = expr.get("key")
    operator = expr.get("operator")
    values = expr.get("values") or []
    if not isinstance(key, str) or not key:
        raise FieldError(f"{field}.key", "is missing")
    if operator not in _OPERATORS:
        raise FieldError(f"{field}.operator", f"{operator!r} is not one of {', '.join(_OPERATORS)}")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FieldError(f"{field}.values", "must be a list of strings")
    if operator in ("In", "NotIn") and not values:
        raise FieldError(f"{field}.values", f"operator {operator} needs at least one value")
    if operator in ("Exists", "DoesNotExist") and values:
        raise FieldError(f"{field}.values", f"operator {operator} takes no values")
    return Requirement(key, str(operator), frozenset(values))


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested params as dotted string labels, for selectors over goTemplate params."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, f"{name}."))
        elif isinstance(value, list):
            flat.update(flatten_params({str(i): v for i, v in enumerate(value)}, f"{name}."))
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        elif value is not None:
            flat[name] = str(value)
    return flat
