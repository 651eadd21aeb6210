"""What a diff returns: per resource, and for a whole application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitsync.model.enums import SyncStatus
from gitsync.model.keys import ResourceKey


@dataclass(frozen=True, slots=True)
class ResourceDiff:
    """The comparison of one resource. `unified` never holds a Secret value.

    `changed_paths` are JSON pointers into the normalised object (empty when Synced).
    """

    key: ResourceKey
    status: SyncStatus
    unified: str = ""
    changed_paths: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return self.status is SyncStatus.SYNCED

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.key.group,
            "kind": self.key.kind,
            "namespace": self.key.namespace,
            "name": self.key.name,
            "status": self.status.value,
            "diff": self.unified,
        }


@dataclass(frozen=True, slots=True)
class AppDiff:
    """The diff of every resource of an app, ordered by key; in sync when all are."""

    in_sync: bool
    resources: list[ResourceDiff]

    @classmethod
    def of(cls, resources: list[ResourceDiff]) -> AppDiff:
        ordered = sorted(resources, key=lambda r: r.key)
        return cls(in_sync=all(r.in_sync for r in ordered), resources=ordered)

    def counts(self) -> dict[SyncStatus, int]:
        totals: dict[SyncStatus, int] = {}
        for resource in self.resources:
            totals[resource.status] = totals.get(resource.status, 0) + 1
        return totals

    def to_json(self) -> dict[str, Any]:
        return {"inSync": self.in_sync, "resources": [r.to_json() for r in self.resources]}
