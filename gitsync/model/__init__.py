"""Plain data shared by every package: keys, manifests, enums, annotation parsing."""

from gitsync.model.annotations import SyncAnnotations, SyncOptions
from gitsync.model.application import (
    Application,
    ApplicationSource,
    AutomatedSync,
    Destination,
    RetryBackoff,
    RetryPolicy,
    SourceKey,
    SyncPolicy,
)
from gitsync.model.applicationset import (
    APPSET_ANNOTATION,
    ApplicationSet,
    ApplicationsSync,
    AppSetSyncPolicy,
)
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
    "APPSET_ANNOTATION",
    "AppSetSyncPolicy",
    "Application",
    "ApplicationSet",
    "ApplicationSource",
    "ApplicationsSync",
    "AutomatedSync",
    "Destination",
    "HealthStatus",
    "HookDeletePolicy",
    "Manifest",
    "OperationPhase",
    "ResourceKey",
    "ResultCode",
    "RetryBackoff",
    "RetryPolicy",
    "SourceKey",
    "SyncAnnotations",
    "SyncOptions",
    "SyncPhase",
    "SyncPolicy",
    "SyncStatus",
    "split_api_version",
]
