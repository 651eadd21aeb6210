"""Reading the cluster objects some generators need: ConfigMaps and Secrets (plugin and
pullRequest), and duck-typed resources (clusterDecisionResource).

Generators see only `ResourceReader`; the controller reads through the cluster API, the
CLI from a YAML file (`DocumentResources`). Secret values are returned to the generator
that asked and are never put in a message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Protocol

from gitsync.appset.errors import FieldError
from gitsync.errors import AppSetError

MAX_DUCK_RESOURCES = 1000


class ResourceReader(Protocol):
    """Reads single objects (ConfigMaps, Secrets, duck-typed resources) for generators."""

    def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Mapping[str, Any] | None:
        """One object, None when it does not exist."""
        ...

    def list(self, api_version: str, kind: str, namespace: str) -> list[Mapping[str, Any]]:
        """Every object of a kind in `namespace`; `kind` may be the kind (``Placement``)
        or the plural resource name (``placements``), as Argo CD's duck-type ConfigMaps
        give it."""
        ...


class DocumentResources:
    """A ResourceReader over objects from a file (``gitsync appset generate --resources``)."""

    def __init__(self, objects: list[Mapping[str, Any]], source: str = "resources") -> None:
        for index, obj in enumerate(objects):
            meta = obj.get("metadata")
            if not isinstance(obj.get("kind"), str) or not isinstance(meta, Mapping):
                raise AppSetError(f"{source}: document {index + 1} needs kind and metadata")
            if not isinstance(meta.get("name"), str):
                raise AppSetError(f"{source}: document {index + 1} needs metadata.name")
        self._objects = objects

    def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Mapping[str, Any] | None:
        for obj in self.list(api_version, kind, namespace):
            if (obj.get("metadata") or {}).get("name") == name:
                return obj
        return None

    def list(self, api_version: str, kind: str, namespace: str) -> list[Mapping[str, Any]]:
        return [
            obj
            for obj in self._objects
            if obj.get("apiVersion") == api_version
            and kind_matches(str(obj.get("kind")), kind)
            and (obj.get("metadata") or {}).get("namespace", namespace) == namespace
        ]


def kind_matches(kind: str, wanted: str) -> bool:
    """`wanted` names `kind` as itself or as its plural resource name."""
    lower, want = kind.lower(), wanted.lower()
    plurals = {lower, lower + "s", lower + "es"}
    if lower.endswith("y"):
        plurals.add(lower[:-1] + "ies")
    return want in plurals


def config_map_data(
    reader: ResourceReader, namespace: str, name: str, field: str
) -> Mapping[str, str]:
    obj = reader.get("v1", "ConfigMap", namespace, name)
    if obj is None:
        raise FieldError(field, f"ConfigMap {namespace}/{name} not found")
    data = obj.get("data") or {}
    if not isinstance(data, Mapping):
        raise FieldError(field, f"ConfigMap {namespace}/{name} has no data mapping")
    return {str(k): str(v) for k, v in data.items()}


def secret_value(reader: ResourceReader, namespace: str, name: str, key: str, field: str) -> str:
    """One key of a Secret (``data`` base64, or ``stringData``); the value is never shown."""
    obj = reader.get("v1", "Secret", namespace, name)
    if obj is None:
        raise FieldError(field, f"Secret {namespace}/{name} not found")
    string_data = obj.get("stringData") or {}
    if isinstance(string_data, Mapping) and key in string_data:
        return str(string_data[key])
    data = obj.get("data") or {}
    if not isinstance(data, Mapping) or key not in data:
        raise FieldError(field, f"Secret {namespace}/{name} has no key {key!r}")
    try:
        return base64.b64decode(str(data[key]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise FieldError(field, f"Secret {namespace}/{name}: {key} is not base64 text") from None
