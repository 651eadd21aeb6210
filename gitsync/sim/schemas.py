"""OpenAPI v3 schemas of the built-in kinds, derived from the `kubernetes` client's models.

Each generated model class lists its fields (`openapi_types`, `attribute_map`) and, as a
pydantic model, which of them are required and which accept an int or a string. That is
enough to publish what a real API server publishes: typed properties, required fields,
`$ref`s between components, IntOrString and Quantity. Built once per process.
"""

from __future__ import annotations

import functools
import re
import typing
from typing import Any

from kubernetes.client import models

Schema = dict[str, Any]

_COMPONENTS_PREFIX = "#/components/schemas/"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_META_TYPES = frozenset(
    (
        "ObjectMeta",
        "ManagedFieldsEntry",
        "OwnerReference",
        "LabelSelector",
        "LabelSelectorRequirement",
        "Condition",
        "ListMeta",
    )
)
# Fields typed as plain strings in the client whose server type is a Quantity: a number
# (`cpu: 1`) is as valid as a string (`cpu: 500m`). Model class -> JSON field names.
_QUANTITY_FIELDS: dict[str, frozenset[str]] = {
    "V1ResourceRequirements": frozenset(("limits", "requests")),
    "V1VolumeResourceRequirements": frozenset(("limits", "requests")),
    "V1PodSpec": frozenset(("overhead",)),
    "V1PodStatus": frozenset(("allocatedResources",)),
    "V1ContainerStatus": frozenset(("allocatedResources",)),
    "V1PersistentVolumeClaimStatus": frozenset(("allocatedResources", "capacity")),
    "V1PersistentVolumeSpec": frozenset(("capacity",)),
    "V1NodeStatus": frozenset(("allocatable", "capacity")),
    "V1LimitRangeItem": frozenset(
        ("default", "defaultRequest", "max", "maxLimitRequestRatio", "min")
    ),
    "V1ResourceQuotaSpec": frozenset(("hard",)),
    "V1ResourceQuotaStatus": frozenset(("hard", "used")),
    "V1EmptyDirVolumeSource": frozenset(("sizeLimit",)),
    "V1ResourceFieldSelector": frozenset(("divisor",)),
}
# Top-level kinds whose model class is not simply Version + Kind.
_MODEL_OVERRIDES = {("", "v1", "Event"): "CoreV1Event"}
_SCALARS: dict[str, Schema] = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "double"},
    "bool": {"type": "boolean"},
    "bytes": {"type": "string", "format": "byte"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
}
_LIST = re.compile(r"^(?:List|list)\[(.*)\]$")
_MAP = re.compile(r"^(?:Dict\[str, (.*)\]|dict\(str, (.*)\))$")
_CLASS = re.compile(r"^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$")


def ref(name: str) -> Schema:
    return {"$ref": _COMPONENTS_PREFIX + name}


def ref_name(reference: str) -> str:
    return reference.removeprefix(_COMPONENTS_PREFIX)


def _group_package(group: str) -> str:
    if group == "apiextensions.k8s.io":
        return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions"
    if group == "apiregistration.k8s.io":
        return "io.k8s.kube-aggregator.pkg.apis.apiregistration"
    return "io.k8s.api." + (group.split(".")[0] if group else "core")


def model_class(group: str, version: str, kind: str) -> str | None:
    """The client's model class name of a served built-in kind, when it has one."""
    name = _MODEL_OVERRIDES.get((group, version, kind), version.capitalize() + kind)
    return name if hasattr(models, name) else None


def kind_component(group: str, version: str, kind: str) -> str:
    """The component name a real server gives a kind, e.g. io.k8s.api.apps.v1.Deployment."""
    return f"{_group_package(group)}.{version}.{kind}"


def _component_name(class_name: str) -> str:
    match = _CLASS.match(class_name)
    if match is None:
        return "io.k8s.api." + class_name
    prefix, version, name = match.groups()
    if name in _META_TYPES and not prefix:
        return f"io.k8s.apimachinery.pkg.apis.meta.{version.lower()}.{name}"
    package = f"io.k8s.api.{prefix.lower()}" if prefix else "io.k8s.api"
    return f"{package}.{version.lower()}.{name}"


def _plain_types(annotation: Any) -> set[Any]:
    """The Python types an annotation admits, without Optional/Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain_types(typing.get_args(annotation)[0])
    if origin is typing.Union:
        found: set[Any] = set()
        for arg in typing.get_args(annotation):
            found |= _plain_types(arg)
        return found - {type(None)}
    return {origin or annotation}


class _Builder:
    """Walks model classes from the kinds asked for, one component per class."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names  # class name -> component name, for kinds fixed up front
        self.components: dict[str, Schema] = {
            INT_OR_STRING: {
                "description": "IntOrString is a type that can hold an int32 or a string.",
                "oneOf": [{"type": "integer"}, {"type": "string"}],
                "format": "int-or-string",
            },
            QUANTITY: {
                "description": "Quantity is a fixed-point representation of a number.",
                "oneOf": [{"type": "string"}, {"type": "number"}],
            },
        }

    def name_of(self, class_name: str) -> str:
        return self.names.get(class_name) or _component_name(class_name)

    def component(self, class_name: str) -> str:
        name = self.name_of(class_name)
        if name in self.components:
            return name
        cls = getattr(models, class_name)
        self.components[name] = {}  # placeholder: recursive types refer back to it
        properties: dict[str, Schema] = {}
        required: list[str] = []
        fields = getattr(cls, "model_fields", {})
        quantities = _QUANTITY_FIELDS.get(class_name, frozenset())
        for attr, type_text in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            info = fields.get(attr)
            annotation = info.annotation if info is not None else None
            properties[json_name] = self.field(type_text, annotation, json_name in quantities)
            if info is not None and info.is_required():
                required.append(json_name)
        schema: Schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = sorted(required)
        self.components[name] = schema
        return name

    def field(self, type_text: str, annotation: Any, quantity: bool) -> Schema:
        list_match = _LIST.match(type_text)
        if list_match:
            return {"type": "array", "items": self.field(list_match.group(1), None, quantity)}
        map_match = _MAP.match(type_text)
        if map_match:
            value = map_match.group(1) or map_match.group(2)
            return {"type": "object", "additionalProperties": self.field(value, None, quantity)}
        if quantity and type_text == "str":
            return ref(QUANTITY)
        if type_text in _SCALARS:
            return dict(_SCALARS[type_text])
        if type_text == "object":
            return self.untyped(annotation)
        if type_text == "V1ObjectMeta":
            # as a real server publishes it: a default {} needs allOf around the $ref
            return {"allOf": [ref(self.component(type_text))], "default": {}}
        return ref(self.component(type_text))

    def untyped(self, annotation: Any) -> Schema:
        plain = _plain_types(annotation)
        if plain == {int, str}:
            return ref(INT_OR_STRING)
        if plain == {dict}:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return {"x-kubernetes-preserve-unknown-fields": True}


@functools.cache
def _builtin_components(kinds: tuple[tuple[str, str, str], ...]) -> dict[str, Schema]:
    names = {}
    classes = []
    for group, version, kind in kinds:
        class_name = model_class(group, version, kind)
        if class_name is None:
            continue
        names[class_name] = kind_component(group, version, kind)
        classes.append((class_name, group, version, kind))
    builder = _Builder(names)
    for class_name, group, version, kind in classes:
        schema = builder.components[builder.component(class_name)]
        schema["x-kubernetes-group-version-kind"] = [
            {"group": group, "version": version, "kind": kind}
        ]
    return builder.components


def builtin_components(kinds: list[tuple[str, str, str]]) -> dict[str, Schema]:
    """Every component the built-in kinds (group, version, kind) need, by name. Shared and
    cached: callers must not change what they get."""
    return _builtin_components(tuple(sorted(kinds)))


def reachable(components: dict[str, Schema], roots: list[str]) -> dict[str, Schema]:
    """The components `roots` refer to, directly or not (a document carries only those)."""
    found: dict[str, Schema] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or name not in components:
            continue
        found[name] = components[name]
        todo.extend(_refs(components[name]))
    return found


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = [ref_name(schema["$ref"])] if isinstance(schema.get("$ref"), str) else []
        for value in schema.values():
            found.extend(_refs(value))
        return found
    if isinstance(schema, list):
        return [name for item in schema for name in _refs(item)]
    return []
