"""Checking a desired object against its kind's OpenAPI v3 schema, before any write.

The cluster's schemas (OpenAPI 3.0 with Kubernetes' extensions) are turned into JSON
Schema once per document and checked with `jsonschema`:

- `x-kubernetes-int-or-string` becomes an integer-or-string `anyOf`;
- an object declaring `properties` admits no other field unless it says
  `x-kubernetes-preserve-unknown-fields` (undeclared fields are errors of their own kind,
  so a caller can ignore them as `Validate=false` asks);
- `x-kubernetes-embedded-resource` admits and requires `apiVersion` and `kind`;
- a bare `{"type": "object"}` inside a schema (a CRD's) admits no field, as the server
  prunes everything there; the same as a component of its own (RawExtension, FieldsV1)
  admits anything, as the server decodes it so;
- OpenAPI 3.0's boolean `exclusiveMinimum/Maximum` become JSON Schema's numbers;
- patterns run under RE2, as the server's do (linear time on any text from Git);
- nulls count as absent (the server decodes them so), formats other than `byte` are
  not checked, and CEL rules (`x-kubernetes-validations`) are not run: `has_cel` says
  when a kind has some, for the caller to leave such objects to a server dry run.

Errors are worded as the API server words them, e.g. ``spec.replicas: Invalid value:
"string": spec.replicas in body must be of type integer: "string"``.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_PREFIX = "#/components/schemas/"
_BASE = "urn:gitsync:openapi"
_MAX_ERRORS = 20
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")
_DROPPED = frozenset(
    (
        "description",
        "default",
        "example",
        "nullable",
        "x-kubernetes-validations",
        "x-kubernetes-group-version-kind",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "exclusiveMinimum",
        "exclusiveMaximum",
    )
)
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 8 << 20
_HOW = {"oneOf": "one and only one schema (oneOf)", "anyOf": "at least one schema (anyOf)"}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One finding: the field path (``spec.containers[0].name``), what is wrong, and
    whether it is an undeclared field (rather than a wrong value)."""

    path: str
    detail: str
    undeclared: bool = False

    def __str__(self) -> str:
        if self.undeclared:
            return f".{self.path}: field not declared in schema"
        return f"{self.path or '<root>'}: {self.detail}"


def describe_errors(kind: str, namespace: str, name: str, errors: list[FieldError]) -> str:
    """One line naming the object, as ``Kind/namespace/name: [error, error]``."""
    where = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    found = [str(e) for e in errors]
    return f"{where}: {found[0] if len(found) == 1 else '[' + ', '.join(found) + ']'}"


# -- OpenAPI 3.0 with extensions -> JSON Schema 2020-12 --------------------------------------
def _convert(node: Any, component: bool = False) -> Any:
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-kubernetes-"):
            continue
        if key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(sub) for sub in value]
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key == "$ref" and isinstance(value, str):
            out[key] = value if value.startswith(_PREFIX) else _PREFIX + "-outside-"
        elif key == "format" and value != "byte":
            continue
        else:
            out[key] = value
    _bounds(node, out)
    if node.get("format") == "int-or-string":  # v2's way of saying it, alongside type: string
        out.pop("type", None)
        out.pop("oneOf", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if node.get("x-kubernetes-embedded-resource"):
        properties = out.setdefault("properties", {})
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties.setdefault("metadata", {"type": "object"})
        out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})
    declares = "properties" in out or (node.get("type") == "object" and not component)
    if declares and not preserve and "additionalProperties" not in out and "$ref" not in out:
        out["additionalProperties"] = False
    return out


def _bounds(node: dict[str, Any], out: dict[str, Any]) -> None:
    """OpenAPI 3.0's boolean exclusive bounds as JSON Schema's numeric ones."""
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if node.get(exclusive) is True and isinstance(node.get(bound), int | float):
            out[exclusive] = out.pop(bound)


def _has_cel(node: Any) -> bool:
    if isinstance(node, dict):
        return "x-kubernetes-validations" in node or any(_has_cel(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_cel(v) for v in node)
    return False


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].removeprefix(_PREFIX)] if isinstance(node.get("$ref"), str) else []
        return found + [name for value in node.values() for name in _refs(value)]
    if isinstance(node, list):
        return [name for value in node for name in _refs(value)]
    return []


# -- the jsonschema validator ------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error:
        return None  # not RE2 syntax: the server rejects the CRD, nothing to hold against us


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    compiled = _compiled(pattern) if isinstance(pattern, str) else None
    if isinstance(instance, str) and compiled is not None and compiled.search(instance) is None:
        yield ValidationError(f"does not match {pattern!r}")


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("byte", raises=(binascii.Error, ValueError))
def _is_base64(value: object) -> bool:
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
    return True


# A float is no integer here, whatever its value: the server's decoding rejects 1.0 too.
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator: Any = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}, type_checker=_TYPES
)


class SchemaUnusable(Exception):
    """The schema cannot judge this object (nested beyond what it can follow)."""


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class KindSchema:
    """The schema of one kind, ready to check objects against."""

    def __init__(self, name: str, validator: Any, has_cel: bool) -> None:
        self.name = name
        self.has_cel = has_cel
        self._validator = validator

    def validate(self, obj: dict[str, Any], *, undeclared: bool = True) -> list[FieldError]:
        """Everything wrong with `obj` (at most a few dozen findings). With `undeclared`
        False, fields the schema does not declare are not reported."""
        found: list[FieldError] = []
        seen: set[tuple[str, str]] = set()
        try:
            secret = obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"
            for error in self._validator.iter_errors(_without_nulls(obj)):
                for finding in _findings(error, secret):
                    if finding.undeclared and not undeclared:
                        continue
                    if (finding.path, finding.detail) not in seen:
                        seen.add((finding.path, finding.detail))
                        found.append(finding)
                if len(found) >= _MAX_ERRORS:
                    break
        except RecursionError:
            raise SchemaUnusable("the object is nested too deeply to check") from None
        return sorted(found, key=lambda f: (f.undeclared, f.path))


class SchemaDocument:
    """One OpenAPI v3 document of a cluster (one group-version): its kinds' schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        components = (document.get("components") or {}).get("schemas") or {}
        components = components if isinstance(components, dict) else {}
        converted: dict[str, Any] = {}
        self._unusable: set[str] = set()  # nested beyond what can be followed
        # What the checks need of the raw components, so the document itself (with every
        # description: most of its size) is not kept: each one's references, and which
        # carry CEL rules.
        self._refs: dict[str, tuple[str, ...]] = {}
        self._cel: set[str] = set()
        for name, schema in components.items():
            if not isinstance(schema, dict):
                continue
            try:
                converted[name] = _convert(schema, component=True)
                self._refs[name] = tuple(dict.fromkeys(_refs(schema)))
                if _has_cel(schema):
                    self._cel.add(name)
            except RecursionError:
                self._unusable.add(name)
        resource = Resource.from_contents(
            {"components": {"schemas": converted}}, default_specification=DRAFT202012
        )
        self._registry: Registry[Any] = Registry().with_resource(_BASE, resource)
        self._kinds: dict[tuple[str, str, str], str] = {}
        for name, schema in components.items():
            for gvk in (
                (schema.get("x-kubernetes-group-version-kind") or [])
                if isinstance(schema, dict)
                else []
            ):
                if isinstance(gvk, dict):
                    key = (
                        str(gvk.get("group") or ""),
                        str(gvk.get("version")),
                        str(gvk.get("kind")),
                    )
                    self._kinds.setdefault(key, name)
        self._built: dict[str, KindSchema] = {}

    def kinds(self) -> list[tuple[str, str, str]]:
        return sorted(self._kinds)

    def kind(self, group: str, version: str, kind: str) -> KindSchema | None:
        name = self._kinds.get((group, version, kind))
        if name is None:
            return None
        built = self._built.get(name)
        if built is None:
            validator = _Validator(
                {"$ref": f"{_BASE}{_PREFIX}{name}"},
                registry=self._registry,
                format_checker=_FORMATS,
            )
            try:
                reached = self._reachable(name)
                has_cel = reached is not None and any(n in self._cel for n in reached)
            except RecursionError:
                reached = None
            if reached is None:
                return None  # a $ref to nowhere, or too deep: this document cannot judge the kind
            built = KindSchema(name, validator, has_cel)
            self._built[name] = built
        return built

    def _reachable(self, root: str) -> set[str] | None:
        """The components `root` uses; None when one of them is missing."""
        seen: set[str] = set()
        todo = [root]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            refs = self._refs.get(name)
            if refs is None:  # missing, not a schema, or nested beyond what can be followed
                return None
            seen.add(name)
            todo.extend(refs)
        return seen


# -- wording -----------------------------------------------------------------------------------
def _type_name(value: Any) -> str:
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
    return "object" if isinstance(value, dict) else "null"


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _path(error: ValidationError) -> str:
    """The field path as the server prints it: `.name` for properties, `[key]` for map
    entries, `[n]` for list items (read off the schema keywords the error went through)."""
    steps = list(error.absolute_schema_path)
    text = ""
    position = 0
    for element in error.absolute_path:
        while position < len(steps) and steps[position] not in (
            "properties",
            "additionalProperties",
            "patternProperties",
            "items",
        ):
            position += 1
        keyword = steps[position] if position < len(steps) else "properties"
        position += 2 if keyword in ("properties", "patternProperties") else 1
        if keyword == "properties":
            text = f"{text}.{element}" if text else str(element)
        else:
            text = f"{text}[{element}]"
    return text


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _findings(error: ValidationError, secret: bool) -> list[FieldError]:
    """The error in the server's words. For a Secret no value is quoted."""
    path, word = _path(error), str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema

    def quote(text: Any) -> str:
        return "<redacted>" if secret else _quote(text)

    def invalid(detail: str) -> list[FieldError]:
        return [FieldError(path, f"Invalid value: {detail}")]

    where = path or "body"
    if word == "additionalProperties" and isinstance(instance, dict):
        declared = schema.get("properties") or {}
        return [FieldError(_join(path, k), "", True) for k in instance if k not in declared]
    if word == "required" and isinstance(instance, dict):
        return [FieldError(_join(path, k), "Required value") for k in value if k not in instance]
    if word == "type" or (word in _HOW and _only_types(value)):
        wanted = value if word == "type" else ",".join(_only_types(value))
        got = _type_name(instance)
        return invalid(f'"{got}": {where} in body must be of type {wanted}: "{got}"')
    if word in _HOW:
        return invalid(f"{quote(instance)}: must validate {_HOW[word]}")
    if word == "enum":
        allowed = ", ".join(_quote(e) for e in value)
        detail = f"Unsupported value: {quote(instance)}: supported values: {allowed}"
        return [FieldError(path, detail)]
    if word == "format":
        return invalid("illegal base64 data")
    if word in ("minimum", "exclusiveMinimum"):
        return invalid(f"{instance}: {where} in body should be greater than or equal to {value}")
    if word in ("maximum", "exclusiveMaximum"):
        return invalid(f"{instance}: {where} in body should be less than or equal to {value}")
    if word == "minLength":
        return invalid(f"{quote(instance)}: {where} in body should be at least {value} chars long")
    if word == "pattern":
        return invalid(f"{quote(instance)}: {where} in body should match '{value}'")
    if word == "minItems":
        return invalid(f"{len(instance)}: {where} in body should have at least {value} items")
    if word == "maxLength":
        return [FieldError(path, f"Too long: may not be more than {value} bytes")]
    if word == "maxItems":
        return [FieldError(path, f"Too many: {len(instance)}: must have at most {value} items")]
    if word == "uniqueItems":
        return [FieldError(path, "Duplicate value: the list holds an item twice")]
    return invalid(f"fails the schema's {word!r} rule")


def _only_types(options: Any) -> list[str]:
    if not isinstance(options, list) or not options:
        return []
    types = []
    for option in options:
        if not isinstance(option, dict) or set(option) != {"type"}:
            return []
        types.append(str(option["type"]))
    return types
