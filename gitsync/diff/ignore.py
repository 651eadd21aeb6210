"""An Application's ``ignoreDifferences``: which fields of which resources not to compare.

Rule format (Argo CD's): ``group`` and ``kind`` are globs (an absent group is the core
group), ``name`` and ``namespace`` optional exact matches, then any of ``jsonPointers``,
``jqPathExpressions`` and ``managedFieldsManagers``. Ignored fields are removed from both
sides before comparing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from gitsync.diff.jqpath import JqSyntaxError, parse_jq_path
from gitsync.diff.managedfields import managed_by
from gitsync.diff.paths import ConcretePath, Pattern, evaluate, parse_pointer
from gitsync.errors import UserInputError
from gitsync.model.keys import ResourceKey

_RULE_FIELDS = {
    "group",
    "kind",
    "name",
    "namespace",
    "jsonPointers",
    "jqPathExpressions",
    "managedFieldsManagers",
}


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One `ignoreDifferences` entry: which objects, and which fields of them."""

    group: str = ""
    kind: str = "*"
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_path_expressions: tuple[str, ...] = ()
    managed_fields_managers: tuple[str, ...] = ()
    # Parsed once; raises ValueError/JqSyntaxError for a bad pointer or expression.
    parsed: tuple[Pattern, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        found = [parse_pointer(p) for p in self.json_pointers]
        found.extend(parse_jq_path(e) for e in self.jq_path_expressions)
        object.__setattr__(self, "parsed", tuple(found))

    def matches(self, key: ResourceKey) -> bool:
        return (
            fnmatchcase(key.group, self.group)
            and fnmatchcase(key.kind, self.kind)
            and (not self.name or self.name == key.name)
            and (not self.namespace or self.namespace == key.namespace)
        )

    @classmethod
    def from_spec(cls, spec: Any, where: str = "ignoreDifferences") -> IgnoreRule:
        if not isinstance(spec, dict):
            raise UserInputError(f"{where}: each rule must be a mapping")
        unknown = sorted(set(spec) - _RULE_FIELDS)
        if unknown:
            raise UserInputError(f"{where}: unknown field(s) {', '.join(unknown)}")
        if not spec.get("kind"):
            raise UserInputError(f"{where}: a rule needs a kind (use '*' for every kind)")
        try:
            return cls(
                group=_text(spec, "group", where),
                kind=_text(spec, "kind", where),
                name=_text(spec, "name", where),
                namespace=_text(spec, "namespace", where),
                json_pointers=_texts(spec, "jsonPointers", where),
                jq_path_expressions=_texts(spec, "jqPathExpressions", where),
                managed_fields_managers=_texts(spec, "managedFieldsManagers", where),
            )
        except (ValueError, JqSyntaxError) as err:
            raise UserInputError(f"{where}: {err}") from None


def _text(spec: dict[str, Any], name: str, where: str) -> str:
    value = spec.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserInputError(f"{where}: {name} must be a string")
    return value


def _texts(spec: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = spec.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserInputError(f"{where}: {name} must be a list of strings")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class IgnoreDifferences:
    """An app's `ignoreDifferences`, plus system rules, applied before comparing."""

    rules: tuple[IgnoreRule, ...] = ()

    @classmethod
    def from_app_spec(cls, specs: Any) -> IgnoreDifferences:
        """From ``spec.ignoreDifferences`` of an Application (None or a list of rules)."""
        if specs is None:
            return cls()
        if not isinstance(specs, list):
            raise UserInputError("ignoreDifferences must be a list of rules")
        return cls(
            tuple(
                IgnoreRule.from_spec(spec, f"ignoreDifferences[{i}]")
                for i, spec in enumerate(specs)
            )
        )

    def for_key(self, key: ResourceKey) -> tuple[IgnoreRule, ...]:
        return tuple(rule for rule in self.rules if rule.matches(key))

    def ignored_patterns(self, key: ResourceKey, live: dict[str, Any] | None) -> list[Pattern]:
        """Patterns to drop from both sides; managers' fields are read from raw `live`."""
        patterns: list[Pattern] = []
        for rule in self.for_key(key):
            patterns.extend(rule.parsed)
            if rule.managed_fields_managers and live is not None:
                patterns.extend(managed_by(live, rule.managed_fields_managers))
        return patterns

    def fingerprint(self) -> str:
        """Stable hash of the rules, part of the diff cache key."""
        text = json.dumps([repr(rule) for rule in self.rules])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def paths_to_ignore(obj: dict[str, Any], patterns: list[Pattern]) -> list[ConcretePath]:
    found: list[ConcretePath] = []
    for pattern in patterns:
        found.extend(evaluate(obj, pattern))
    return found
