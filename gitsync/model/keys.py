"""Identity of a Kubernetes object, independent of its version."""

from __future__ import annotations

from dataclasses import dataclass


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, sep, version = api_version.rpartition("/")
    return (group, version) if sep else ("", api_version)


@dataclass(frozen=True, order=True, slots=True)
class ResourceKey:
    """Group, kind, namespace and name of an object. Namespace is ``""`` when cluster-scoped."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def group_kind(self) -> str:
        """``Kind.group`` as kubectl spells it, or just ``Kind`` for the core group."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def with_namespace(self, namespace: str) -> ResourceKey:
        return ResourceKey(self.group, self.kind, namespace, self.name)

    @classmethod
    def of(cls, obj: dict[str, object]) -> ResourceKey:
        """Key of a plain-dict object; missing parts become empty strings."""
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        group, _ = split_api_version(str(obj.get("apiVersion") or ""))
        return cls(
            group=group,
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
        )
