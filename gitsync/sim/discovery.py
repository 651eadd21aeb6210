"""Discovery documents (/api, /apis, resource lists) and the minimal OpenAPI v3 that kubectl
reads before a server-side apply."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .registry import VERBS, Registry, ResourceType

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-gitsync-sim",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "name": group,
        "versions": entries,
        "preferredVersion": entries[0],
    }


def api_group_list(registry: Registry) -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_entry(g, v) for g, v in registry.groups().items()],
    }


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}


def _resource_entries(rtype: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rtype.plural,
        "singularName": rtype.singular_name,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": VERBS,
    }
    if rtype.short_names:
        main["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        main["categories"] = list(rtype.categories)
    entries = [main]
    if rtype.has_status:
        entries.append(
            {
                "name": f"{rtype.plural}/status",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": rtype.kind,
                "verbs": ["get", "patch", "update"],
            }
        )
    return entries


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.types_in(group, version)
    if not types and not (group == "" and version == "v1"):
        return None
    resources: list[dict[str, Any]] = []
    for rtype in sorted(types, key=lambda t: t.plural):
        resources.extend(_resource_entries(rtype))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


# -- OpenAPI v3 --------------------------------------------------------------------------
def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _gv_document(registry: Registry, group: str, version: str) -> dict[str, Any]:
    """Enough OpenAPI for kubectl: one schema per kind that accepts anything, and a PATCH
    operation declaring `fieldValidation` so kubectl leaves validation to the server."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    prefix = "/" + _gv_path(group, version)
    for rtype in registry.types_in(group, version):
        schema_name = f"io.gitsync.sim.{group or 'core'}.{version}.{rtype.kind}"
        schemas[schema_name] = {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "x-kubernetes-group-version-kind": [
                {"group": group, "version": version, "kind": rtype.kind}
            ],
        }
        gvk = {"group": group, "version": version, "kind": rtype.kind}
        ref = {"$ref": f"#/components/schemas/{schema_name}"}
        body = {"content": {"application/json": {"schema": ref}}}
        params = [
            {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}},
        ]
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
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def openapi_document(registry: Registry, group: str, version: str) -> bytes | None:
    if not registry.types_in(group, version):
        return None
    return json.dumps(_gv_document(registry, group, version)).encode()


def openapi_root(registry: Registry) -> dict[str, Any]:
    """`/openapi/v3`: one entry per group-version, each with a hash of its document."""
    paths: dict[str, Any] = {}
    gvs = [("", "v1")] + [(g, v) for g, vs in registry.groups().items() for v in vs]
    for group, version in gvs:
        document = openapi_document(registry, group, version) or b""
        digest = hashlib.sha256(document).hexdigest()[:32].upper()
        path = _gv_path(group, version)
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}
