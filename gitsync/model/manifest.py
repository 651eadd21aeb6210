"""A desired object read from Git, with its sync annotations parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitsync.errors import ManifestError
from gitsync.model.annotations import SyncAnnotations, parse_sync_annotations
from gitsync.model.identity import IdentityError, check_identity, shown
from gitsync.model.keys import ResourceKey, split_api_version
from gitsync.model.optioncheck import UnknownOption, check_annotations


@dataclass(frozen=True, slots=True)
class Manifest:
    """One desired Kubernetes object.

    `obj` is the plain dict as rendered; treat it as read-only (copy before changing).
    `source` says where it came from (``path/file.yaml#2`` for the third document).
    `key.name` is empty for a hook that only has ``generateName``.
    """

    key: ResourceKey
    api_version: str
    sync: SyncAnnotations
    source: str = ""
    obj: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def group(self) -> str:
        return self.key.group

    @property
    def version(self) -> str:
        return split_api_version(self.api_version)[1]

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def generate_name(self) -> str:
        return str(self.obj.get("metadata", {}).get("generateName") or "")

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.obj.get("metadata", {}).get("annotations") or {})

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.obj.get("metadata", {}).get("labels") or {})

    @classmethod
    def from_object(cls, obj: Any, source: str = "") -> Manifest:
        """Validate the minimum every object needs and parse its annotations.

        Raises ManifestError naming `source` when apiVersion, kind or a name is missing.
        """
        if not isinstance(obj, dict):
            raise ManifestError(f"expected a mapping, got {type(obj).__name__}", source or None)
        api_version = obj.get("apiVersion")
        kind = obj.get("kind")
        if not isinstance(api_version, str) or not api_version:
            raise ManifestError("object has no apiVersion", source or None)
        if not isinstance(kind, str) or not kind:
            raise ManifestError("object has no kind", source or None)
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            raise ManifestError(f"{kind} has no metadata", source or None)
        name = _optional_string(meta, "name", kind, source)
        generate_name = _optional_string(meta, "generateName", kind, source)
        namespace = _optional_string(meta, "namespace", kind, source)
        if not name and not generate_name:
            raise ManifestError(f"{kind} has no metadata.name", source or None)
        try:
            check_identity(api_version, kind, namespace, name, generate_name)
        except IdentityError as err:
            raise ManifestError(f"{kind}: {err}", source or None) from None
        label = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name or generate_name}"
        annotations = _string_map(meta, "annotations", label, source)
        try:
            check_annotations(annotations)
        except UnknownOption as err:
            raise ManifestError(f"{label}: {err}", source or None) from None
        _string_map(meta, "labels", label, source)
        group, _ = split_api_version(api_version)
        key = ResourceKey(group=group, kind=kind, namespace=namespace, name=name)
        return cls(
            key=key,
            api_version=api_version,
            sync=parse_sync_annotations(annotations),
            source=source,
            obj=obj,
        )


def _optional_string(meta: dict[str, Any], field: str, kind: str, source: str) -> str:
    """``metadata.<field>`` as a string, "" when absent; anything else is an error (a
    namespace of ``[x]`` must not quietly become the default one)."""
    value = meta.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ManifestError(
            f"{kind}: metadata.{field} must be a string, not {type(value).__name__}",
            source or None,
        )
    return value


def _string_map(meta: dict[str, Any], field: str, label: str, source: str) -> dict[str, str]:
    """``metadata.labels`` or ``metadata.annotations``: a mapping of strings, or absent."""
    value = meta.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(
            f"{label}: metadata.{field} must be a mapping, not {type(value).__name__}",
            source or None,
        )
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            what = "label" if field == "labels" else "annotation"
            raise ManifestError(
                f"{label}: {what} {shown(key)} must be a string (quote it)", source or None
            )
    return value
