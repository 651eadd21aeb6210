"""A desired object read from Git, with its sync annotations parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitsync.errors import ManifestError
from gitsync.model.annotations import SyncAnnotations, parse_sync_annotations
from gitsync.model.keys import ResourceKey, split_api_version


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
        name = meta.get("name")
        if not (isinstance(name, str) and name) and not (
            isinstance(meta.get("generateName"), str) and meta.get("generateName")
        ):
            raise ManifestError(f"{kind} has no metadata.name", source or None)
        annotations = meta.get("annotations") or {}
        if not isinstance(annotations, dict):
            raise ManifestError(f"{kind}/{name}: metadata.annotations is not a mapping", source)
        for akey, avalue in annotations.items():
            if not isinstance(avalue, str):
                raise ManifestError(
                    f"{kind}/{name}: annotation {akey} must be a string (quote it)",
                    source or None,
                )
        namespace = meta.get("namespace")
        group, _ = split_api_version(api_version)
        key = ResourceKey(
            group=group,
            kind=kind,
            namespace=namespace if isinstance(namespace, str) else "",
            name=name if isinstance(name, str) else "",
        )
        return cls(
            key=key,
            api_version=api_version,
            sync=parse_sync_annotations(annotations),
            source=source,
            obj=obj,
        )
