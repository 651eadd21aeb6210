"""Plain data shared by every package: keys, manifests, enums, annotation parsing."""

from gitsync.model.annotations import SyncAnnotations, SyncOptions
from gitsync.model.enums import (
    HealthStatus,
    HookDeletePolicy,
    OperationPhase,
    ResultCode,
    SyncPhase,
    SyncStatus,
)
from gitsync.model.keys import ResourceKey, split_api_version
from gitsync.model.manifest import Manifest

__all__ = [
    "HealthStatus",
    "HookDeletePolicy",
    "Manifest",
    "OperationPhase",
    "ResourceKey",
    "ResultCode",
    "SyncAnnotations",
    "SyncOptions",
    "SyncPhase",
    "SyncStatus",
    "split_api_version",
]
