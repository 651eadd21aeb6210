"""Checking an object against its kind's published OpenAPI schema, as a real server does.

Types, required fields, enums, bounds and patterns make field errors (a 422 Invalid);
fields the schema does not declare are reported apart, for the request's
`fieldValidation` to decide (Strict: an error, Warn: a warning, Ignore: nothing), and are
dropped from the stored object as a real server drops them. A null value counts as
absent, as the server's decoding treats it.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass, field
from typing import Any

import re2

Schema = dict[str, Any]

_MAX_DEPTH = 100
_EMBEDDED_FIELDS = ("apiVersion", "kind", "metadata")
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 8 << 20
_HOW = {"oneOf": "one and only one schema (oneOf)", "anyOf": "at least one schema (anyOf)"}


@dataclass
class Findings:
    """What one check found: field errors, and paths of fields the schema lacks."""

    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def type_name(value: Any) -> str:
    """A JSON value's type as OpenAPI names it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _is(value: Any, wanted: str) -> bool:
    got = type_name(value)
    return got == wanted or (wanted == "number" and got == "integer")


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _only_types(options: list[Any]) -> list[str]:
    """The types of alternatives that are nothing but a type (IntOrString, Quantity); []
    when any alternative says more."""
    types = []
    for option in options:
        if not isinstance(option, dict) or set(option) != {"type"}:
            return []
        types.append(str(option["type"]))
    return types


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Checker:
    """Checks values against the schemas of one document (whose `$ref`s it follows)."""

    def __init__(self, components: dict[str, Schema]) -> None:
        self.components = components
        self._flat: dict[int, Schema] = {}

    def flatten(self, schema: Schema) -> Schema:
        """The schema with `$ref` and `allOf: [{$ref}]` resolved into one node."""
        key = id(schema)
        found = self._flat.get(key)
        if found is not None:
            return found
        flat = schema
        reference = schema.get("$ref")
        if isinstance(reference, str):
            flat = self.flatten(self._target(reference))
        elif isinstance(schema.get("allOf"), list):
            flat = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if not isinstance(part, dict):
                    continue
                resolved = self.flatten(part)
                for name, value in resolved.items():
                    if name == "properties":
                        flat["properties"] = {**flat.get("properties", {}), **value}
                    elif name == "required":
                        flat["required"] = [*flat.get("required", []), *value]
                    else:
                        flat.setdefault(name, value)
        self._flat[key] = flat
        return flat

    def _target(self, reference: str) -> Schema:
        name = reference.rsplit("/", 1)[-1]
        return self.components.get(name) or {"x-kubernetes-preserve-unknown-fields": True}

    def check(
        self, schema: Schema, value: Any, *, required: bool = True, prune: bool = False
    ) -> Findings:
        """Check `value`. With `prune`, undeclared fields are removed from it (in place)."""
        findings = Findings()
        _Walk(self, findings, required, prune).value(schema, value, "", 0)
        return findings


class _Walk:
    def __init__(self, checker: Checker, findings: Findings, required: bool, prune: bool) -> None:
        self.checker = checker
        self.findings = findings
        self.required = required
        self.prune = prune

    def error(self, path: str, detail: str) -> None:
        self.findings.errors.append(f"{path or '<root>'}: {detail}")

    def type_error(self, path: str, value: Any, wanted: str) -> None:
        got, where = type_name(value), path or "body"
        self.error(
            path, f'Invalid value: "{got}": {where} in body must be of type {wanted}: "{got}"'
        )

    def value(self, schema: Schema, value: Any, path: str, depth: int) -> None:
        if value is None:
            return
        if depth > _MAX_DEPTH:
            self.error(path, "Invalid value: nested too deeply")
            return
        node = self.checker.flatten(schema)
        if not self.alternatives(node, value, path, depth):
            return
        if node.get("x-kubernetes-int-or-string"):
            if not (_is(value, "integer") or _is(value, "string")):
                self.type_error(path, value, "integer,string")
            return
        wanted = node.get("type")
        if isinstance(wanted, str) and not _is(value, wanted):
            self.type_error(path, value, wanted)
            return
        if isinstance(value, dict):
            self.object(node, value, path, depth)
        elif isinstance(value, list):
            self.array(node, value, path, depth)
        else:
            self.scalar(node, value, path)

    def alternatives(self, node: Schema, value: Any, path: str, depth: int) -> bool:
        """oneOf / anyOf / allOf / not. False when the value failed them."""
        for word in ("oneOf", "anyOf"):
            options = node.get(word)
            if not isinstance(options, list) or not options:
                continue
            passing = sum(1 for option in options if self.passes(option, value, depth))
            if passing == 0 or (word == "oneOf" and passing > 1):
                types = _only_types(options)
                if passing == 0 and types:
                    self.type_error(path, value, ",".join(types))
                else:
                    self.error(path, f"Invalid value: {_quote(value)}: must validate {_HOW[word]}")
                return False
        for option in node.get("allOf") or []:
            if isinstance(option, dict) and "$ref" not in option:
                self.value(option, value, path, depth + 1)
        negated = node.get("not")
        if isinstance(negated, dict) and self.passes(negated, value, depth):
            self.error(path, f"Invalid value: {_quote(value)}: must not validate the schema (not)")
            return False
        return True

    def passes(self, schema: Any, value: Any, depth: int) -> bool:
        if not isinstance(schema, dict):
            return True
        quiet = Findings()
        _Walk(self.checker, quiet, self.required, False).value(schema, value, "", depth + 1)
        return not quiet.errors

    def object(self, node: Schema, value: dict[str, Any], path: str, depth: int) -> None:
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        open_fields = bool(node.get("x-kubernetes-preserve-unknown-fields")) or extra is True
        embedded = bool(node.get("x-kubernetes-embedded-resource"))
        for name in list(value):
            child = value[name]
            if name in properties:
                self.value(properties[name], child, _join(path, name), depth + 1)
            elif isinstance(extra, dict):
                self.value(extra, child, f"{path}[{name}]", depth + 1)
            elif open_fields or (embedded and name in _EMBEDDED_FIELDS):
                continue
            else:
                self.findings.unknown.append(_join(path, name))
                if self.prune:
                    del value[name]
        wanted = list(node.get("required") or [])
        if embedded:
            wanted += ["apiVersion", "kind"]
        if self.required:
            for name in wanted:
                if value.get(name) is None:
                    self.error(_join(path, name), "Required value")
        self.bounds(node, len(value), path, "properties")

    def array(self, node: Schema, value: list[Any], path: str, depth: int) -> None:
        items = node.get("items")
        if isinstance(items, dict):
            for n, item in enumerate(value):
                self.value(items, item, f"{path}[{n}]", depth + 1)
        self.bounds(node, len(value), path, "items")
        if node.get("uniqueItems") or node.get("x-kubernetes-list-type") == "set":
            seen: list[Any] = []
            for n, item in enumerate(value):
                if item in seen:
                    self.error(f"{path}[{n}]", f"Duplicate value: {_quote(item)}")
                seen.append(item)

    def bounds(self, node: Schema, count: int, path: str, what: str) -> None:
        low, high = node.get(f"min{what.capitalize()}"), node.get(f"max{what.capitalize()}")
        if isinstance(low, int) and count < low:
            detail = f"{path} in body should have at least {low} {what}"
            self.error(path, f"Invalid value: {count}: {detail}")
        if isinstance(high, int) and count > high:
            self.error(path, f"Too many: {count}: must have at most {high} {what}")

    def scalar(self, node: Schema, value: Any, path: str) -> None:
        enum = node.get("enum")
        if isinstance(enum, list) and value not in enum:
            allowed = ", ".join(_quote(e) for e in enum)
            self.error(path, f"Unsupported value: {_quote(value)}: supported values: {allowed}")
        if isinstance(value, str):
            self.string(node, value, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.number(node, value, path)

    def string(self, node: Schema, value: str, path: str) -> None:
        low, high = node.get("minLength"), node.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            detail = f"{path} in body should be at least {low} chars long"
            self.error(path, f"Invalid value: {_quote(value)}: {detail}")
        if isinstance(high, int) and len(value) > high:
            self.error(path, f"Too long: may not be more than {high} bytes")
        pattern = node.get("pattern")
        compiled = _pattern(pattern) if isinstance(pattern, str) else None
        if compiled is not None and compiled.search(value) is None:
            detail = f"{path} in body should match '{pattern}'"
            self.error(path, f"Invalid value: {_quote(value)}: {detail}")
        if node.get("format") == "byte":
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                # the value is left out: it is most likely a Secret's
                self.error(path, "Invalid value: illegal base64 data")

    def number(self, node: Schema, value: float, path: str) -> None:
        low, high = node.get("minimum"), node.get("maximum")
        below = isinstance(low, int | float) and (
            value < low or (node.get("exclusiveMinimum") is True and value == low)
        )
        if below:
            detail = f"{path} in body should be greater than or equal to {low}"
            self.error(path, f"Invalid value: {value}: {detail}")
        above = isinstance(high, int | float) and (
            value > high or (node.get("exclusiveMaximum") is True and value == high)
        )
        if above:
            detail = f"{path} in body should be less than or equal to {high}"
            self.error(path, f"Invalid value: {value}: {detail}")


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> Any:
    """A schema's pattern, compiled as the server reads it (RE2: linear time, whatever the
    text); None when it does not compile (the write is then not failed on it)."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error:
        return None
