"""Declarative health checks for custom kinds, read from a YAML file.

    checks:
      - group: example.com          # "" (or leave out) for the core group
        kind: Database
        rules:                      # first match wins
          - condition: {type: Ready, status: "True"}
            health: Healthy
          - condition: {type: Ready, reason: ProvisioningFailed}
            health: Degraded
          - field: status.phase
            in: [Creating, Resizing]
            health: Progressing
            message: database is being prepared
        default:                    # when no rule matches (Progressing if left out)
          health: Progressing
          message: waiting for status

A `condition` rule matches the first entry of ``status.conditions`` with that `type`
whose listed `status`/`reason` are equal. A `field` rule reads a dotted path and
compares it with `equals`, `in` or `exists`. Without `message`, the health message is
the condition's message (or reason), or ``<field> is <value>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import ConfigError
from gitsync.health.fields import conditions, value
from gitsync.health.registry import register
from gitsync.health.types import Health
from gitsync.model.enums import HealthStatus

_RULE_KEYS = {"condition", "field", "equals", "in", "exists", "health", "message"}
_CONDITION_KEYS = {"type", "status", "reason"}
_CHECK_KEYS = {"group", "kind", "rules", "default"}
# Missing means "not in the cluster": a rule reading a live object cannot produce it.
_ALLOWED = [s for s in HealthStatus if s is not HealthStatus.MISSING]


def _as_text(found: Any) -> str | None:
    if found is None:
        return None
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, str | int | float):
        return str(found)
    return None


@dataclass(frozen=True)
class ConditionRule:
    """A declarative health rule on one status condition (type, status, reason)."""

    ctype: str
    status: str | None
    reason: str | None
    health: HealthStatus
    message: str | None

    def apply(self, obj: Mapping[str, Any]) -> Health | None:
        for cond in conditions(obj):
            if cond.get("type") != self.ctype:
                continue
            if self.status is not None and _as_text(cond.get("status")) != self.status:
                return None
            if self.reason is not None and cond.get("reason") != self.reason:
                return None
            said = str(cond.get("message") or cond.get("reason") or "")
            return Health(self.health, self.message if self.message is not None else said)
        return None


@dataclass(frozen=True)
class FieldRule:
    """A declarative health rule on one status field's value or presence."""

    path: tuple[str, ...]
    accepted: frozenset[str] | None
    exists: bool | None
    health: HealthStatus
    message: str | None

    def apply(self, obj: Mapping[str, Any]) -> Health | None:
        found = value(obj, *self.path)
        if self.exists is not None:
            if (found is not None) != self.exists:
                return None
        elif self.accepted is not None and _as_text(found) not in self.accepted:
            return None
        if self.message is not None:
            return Health(self.health, self.message)
        shown = _as_text(found)
        return Health(self.health, f"{'.'.join(self.path)} is {shown}" if shown else "")


Rule = ConditionRule | FieldRule


@dataclass(frozen=True)
class RuleCheck:
    """A check made of declarative rules: the first rule that matches decides."""

    rules: tuple[Rule, ...]
    default: Health

    def __call__(self, obj: Mapping[str, Any]) -> Health | None:
        for rule in self.rules:
            found = rule.apply(obj)
            if found is not None:
                return found
        return self.default


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"{where}: {problem}")


def _health(raw: Any, where: str) -> HealthStatus:
    for status in _ALLOWED:
        if raw == status.value:
            return status
    allowed = ", ".join(s.value for s in _ALLOWED)
    raise _fail(where, f"health must be one of {allowed}, got {raw!r}")


def _optional_text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    found = raw.get(key)
    if found is None:
        return None
    text = _as_text(found)
    if text is None:
        raise _fail(where, f"{key} must be a string")
    return text


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise _fail(where, "a rule must be a mapping")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    health = _health(raw.get("health"), where)
    message = _optional_text(raw, "message", where)
    if ("condition" in raw) == ("field" in raw):
        raise _fail(where, "a rule needs exactly one of condition or field")
    if "condition" in raw:
        cond = raw["condition"]
        if not isinstance(cond, Mapping) or not isinstance(cond.get("type"), str):
            raise _fail(where, "condition must be a mapping with a type")
        extra = set(cond) - _CONDITION_KEYS
        if extra:
            raise _fail(where, f"condition: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        if {"equals", "in", "exists"} & set(raw):
            raise _fail(where, "equals/in/exists go with field, not condition")
        return ConditionRule(
            ctype=cond["type"],
            status=_optional_text(cond, "status", where),
            reason=_optional_text(cond, "reason", where),
            health=health,
            message=message,
        )
    path = raw["field"]
    if not isinstance(path, str) or not path.strip(".") or ".." in path:
        raise _fail(where, "field must be a dotted path such as status.phase")
    tests = [k for k in ("equals", "in", "exists") if k in raw]
    if len(tests) != 1:
        raise _fail(where, "a field rule needs exactly one of equals, in or exists")
    accepted: frozenset[str] | None = None
    exists: bool | None = None
    if "exists" in raw:
        if not isinstance(raw["exists"], bool):
            raise _fail(where, "exists must be true or false")
        exists = raw["exists"]
    else:
        listed = raw["in"] if "in" in raw else [raw["equals"]]
        if not isinstance(listed, list) or not listed:
            raise _fail(where, "in must be a non-empty list")
        texts = [_as_text(v) for v in listed]
        if any(t is None for t in texts):
            raise _fail(where, "values to compare must be strings, numbers or booleans")
        accepted = frozenset(t for t in texts if t is not None)
    return FieldRule(tuple(path.split(".")), accepted, exists, health, message)


def parse_rules(data: Any, source: str = "rules") -> list[tuple[str, str, RuleCheck]]:
    """Validate a parsed rules document; (group, kind, check) for each entry."""
    entries = data.get("checks") if isinstance(data, Mapping) else data
    if not isinstance(entries, list):
        raise _fail(source, "expected a mapping with a `checks` list")
    parsed: list[tuple[str, str, RuleCheck]] = []
    for i, entry in enumerate(entries):
        where = f"{source}: checks[{i}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, "each check must be a mapping")
        unknown = set(entry) - _CHECK_KEYS
        if unknown:
            raise _fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        group = entry.get("group") or ""
        kind = entry.get("kind")
        if not isinstance(group, str) or not isinstance(kind, str) or not kind:
            raise _fail(where, "group must be a string and kind a non-empty string")
        rules = entry.get("rules") or []
        if not isinstance(rules, list):
            raise _fail(where, "rules must be a list")
        default_raw = entry.get("default") or {"health": HealthStatus.PROGRESSING.value}
        if not isinstance(default_raw, Mapping) or set(default_raw) - {"health", "message"}:
            raise _fail(f"{where}.default", "default takes health and message only")
        default = Health(
            _health(default_raw.get("health"), f"{where}.default"),
            _optional_text(default_raw, "message", f"{where}.default") or "",
        )
        checks = tuple(_rule(r, f"{where}.rules[{j}]") for j, r in enumerate(rules))
        parsed.append((group, kind, RuleCheck(checks, default)))
    return parsed


def load_rules(path: Path) -> None:
    """Read declarative checks from a YAML file and register them (they override
    built-in and plugin checks of the same kinds). Raises ConfigError naming the file."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read health rules: {err.strerror or err}") from err
    try:
        data = yaml.load(raw, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}") from err
    for group, kind, check in parse_rules(data, str(path)):
        register(group, kind, check)
