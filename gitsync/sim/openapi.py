"""The OpenAPI v3 the emulator publishes and validates writes against.

`/openapi/v3` lists one document per group-version with a hash of its content;
`/openapi/v3/apis/<group>/<version>` is the document: a component per kind (built-in
kinds from `schemas`, CRD kinds from their CRD's openAPIV3Schema) plus the components they
refer to, and the paths kubectl reads. Documents are built once per registry revision
(a CRD added, changed or removed), and the schemas writes are checked against are the
very ones served.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from . import schemas
from .registry import Registry, ResourceType
from .validation import Checker

Schema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KindSchema:
    """The schema of one kind in one version: its component name, every component of its
    document (for `$ref`s), and the checker of that document."""

    name: str
    components: dict[str, Schema]
    checker: Checker

    @property
    def root(self) -> Schema:
        return self.components[self.name]


@dataclass(frozen=True, slots=True)
class _Document:
    body: bytes
    digest: str
    kinds: dict[str, KindSchema]


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def crd_component_name(group: str, version: str, kind: str) -> str:
    """As a real server names a CRD's component: the group reversed, e.g. com.example.v1.Widget."""
    return ".".join(reversed(group.split("."))) + f".{version}.{kind}"


def _crd_component(rtype: ResourceType, version: str, declared: Schema | None) -> Schema:
    """A CRD's schema as published: its own, with apiVersion, kind and metadata typed."""
    schema: Schema = copy.deepcopy(declared) if declared else {"type": "object"}
    if not declared:
        schema["x-kubernetes-preserve-unknown-fields"] = True
    properties = schema.setdefault("properties", {})
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    properties["metadata"] = schemas.ref(schemas.OBJECT_META)
    schema.setdefault("type", "object")
    schema["x-kubernetes-group-version-kind"] = [
        {"group": rtype.group, "version": version, "kind": rtype.kind}
    ]
    return schema


def _paths(group: str, version: str, types: list[ResourceType], kinds: dict[str, str]) -> Schema:
    """GET and PATCH of each kind; PATCH declares `fieldValidation`, so kubectl leaves the
    validation of unknown fields to the server."""
    paths: dict[str, Any] = {}
    prefix = "/" + gv_path(group, version)
    params = [
        {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
        {"name": "force", "in": "query", "schema": {"type": "boolean"}},
    ]
    for rtype in types:
        gvk = {"group": group, "version": version, "kind": rtype.kind}
        body = {"content": {"application/json": {"schema": schemas.ref(kinds[rtype.kind])}}}
        ns = "namespaces/{namespace}/" if rtype.namespaced else ""
        paths[f"{prefix}/{ns}{rtype.plural}/{{name}}"] = {
            "get": {"x-kubernetes-group-version-kind": gvk, "responses": {"200": body}},
            "patch": {
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": params,
                "requestBody": {
                    "content": {
                        "application/apply-patch+yaml": {"schema": {"type": "object"}},
                        "application/merge-patch+json": {"schema": {"type": "object"}},
                    }
                },
                "responses": {"200": body},
            },
        }
    return paths


class OpenAPISchemas:
    """The published documents of one emulated cluster, rebuilt when its kinds change."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._lock = threading.Lock()
        self._revision = -1
        self._documents: dict[tuple[str, str], _Document] = {}

    def _build(self, group: str, version: str) -> _Document | None:
        types = self.registry.types_in(group, version)
        if not types:
            return None
        builtin = [
            (t.group, served, t.kind)
            for t in self.registry.all_types()
            if t.builtin
            for served in t.versions
        ]
        shared = schemas.builtin_components(builtin)
        components: dict[str, Schema] = {}
        kinds: dict[str, str] = {}
        for rtype in sorted(types, key=lambda t: t.kind):
            if rtype.builtin:
                name = schemas.kind_component(group, version, rtype.kind)
            else:
                name = crd_component_name(group, version, rtype.kind)
                declared = self.registry.crd_schema(rtype, version)
                components[name] = _crd_component(rtype, version, declared)
            kinds[rtype.kind] = name
        roots = [*kinds.values(), schemas.OBJECT_META]
        components = {**schemas.reachable(shared, roots), **components}
        document = {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "paths": _paths(group, version, types, kinds),
            "components": {"schemas": dict(sorted(components.items()))},
        }
        body = json.dumps(document).encode()
        digest = hashlib.sha512(body).hexdigest()[:128].upper()
        checker = Checker(components)
        by_kind = {kind: KindSchema(name, components, checker) for kind, name in kinds.items()}
        return _Document(body, digest, by_kind)

    def _current(self) -> None:
        """Drop every built document when the registry moved on (the caller holds the lock)."""
        if self._revision != self.registry.revision:
            self._revision = self.registry.revision
            self._documents.clear()

    def _document(self, group: str, version: str) -> _Document | None:
        with self._lock:
            self._current()
            found = self._documents.get((group, version))
            if found is None:
                found = self._build(group, version)
                if found is not None:
                    self._documents[(group, version)] = found
            return found

    def document(self, group: str, version: str) -> bytes | None:
        found = self._document(group, version)
        return found.body if found is not None else None

    def root(self) -> dict[str, Any]:
        """`/openapi/v3`: one entry per group-version, each with a hash of its document."""
        paths: dict[str, Any] = {}
        gvs = [("", "v1")] + [(g, v) for g, vs in self.registry.groups().items() for v in vs]
        for group, version in gvs:
            found = self._document(group, version)
            if found is None:
                continue
            path = gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={found.digest}"}
        return {"paths": paths}

    def for_kind(self, rtype: ResourceType, version: str) -> KindSchema | None:
        """The schema writes of this kind and version are checked against."""
        found = self._document(rtype.group, version)
        return found.kinds.get(rtype.kind) if found is not None else None
