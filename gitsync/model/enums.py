"""The small vocabularies shared by every package."""

from __future__ import annotations

from enum import StrEnum


class SyncPhase(StrEnum):
    """Phases of a sync, in execution order (SyncFail only after a failure)."""

    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"

    @property
    def order(self) -> int:
        return _PHASE_ORDER[self]


_PHASE_ORDER = {
    SyncPhase.PRE_SYNC: 0,
    SyncPhase.SYNC: 1,
    SyncPhase.POST_SYNC: 2,
    SyncPhase.SYNC_FAIL: 3,
}


class HookDeletePolicy(StrEnum):
    """When a hook is deleted (`argocd.argoproj.io/hook-delete-policy`)."""

    HOOK_SUCCEEDED = "HookSucceeded"
    HOOK_FAILED = "HookFailed"
    BEFORE_HOOK_CREATION = "BeforeHookCreation"


class HealthStatus(StrEnum):
    """Health of a resource or an application. `severity` orders them best to worst."""

    HEALTHY = "Healthy"
    SUSPENDED = "Suspended"
    PROGRESSING = "Progressing"
    MISSING = "Missing"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"

    @property
    def severity(self) -> int:
        return _HEALTH_SEVERITY[self]


_HEALTH_SEVERITY = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.SUSPENDED: 1,
    HealthStatus.PROGRESSING: 2,
    HealthStatus.MISSING: 3,
    HealthStatus.DEGRADED: 4,
    HealthStatus.UNKNOWN: 5,
}


class SyncStatus(StrEnum):
    """Whether a resource (or app) matches Git."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    MISSING = "Missing"
    REQUIRES_PRUNING = "RequiresPruning"
    UNKNOWN = "Unknown"


class OperationPhase(StrEnum):
    """The phase of a sync operation; the last three are terminal."""

    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"

    @property
    def terminal(self) -> bool:
        return self is not OperationPhase.RUNNING


class ResultCode(StrEnum):
    """Outcome of one sync task."""

    SYNCED = "Synced"
    SYNC_FAILED = "SyncFailed"
    PRUNED = "Pruned"
    PRUNE_SKIPPED = "PruneSkipped"
