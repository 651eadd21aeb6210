"""Options of one sync operation (CLI flags, or an Application's syncPolicy)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gitsync.diff import IgnoreDifferences


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry of a failed operation: ``retry: {limit, backoff: {duration, factor, maxDuration}}``."""

    limit: int = 0
    duration: float = 5.0
    factor: float = 2.0
    max_duration: float = 180.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return float(min(self.duration * self.factor ** max(attempt - 1, 0), self.max_duration))


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """`prune` deletes objects gone from Git; `allow_empty` lets it delete all of them.
    `dry_run` walks the whole plan with dry-run writes. `wave_delay` is the pause between
    waves (Argo CD: 2 s). `workers` bounds concurrent requests inside one wave.
    `ignore_differences` are the app's rules, used by ``RespectIgnoreDifferences=true``.
    A pre-flight that fails only with transient API errors (409, 429, 5xx, connection
    lost) is run again up to `preflight_retries` times, `preflight_backoff` seconds
    apart at first, doubling up to `preflight_max_backoff`."""

    prune: bool = False
    dry_run: bool = False
    allow_empty: bool = False
    wave_delay: float = 2.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    workers: int = 8
    crd_ready_timeout: float = 5.0
    field_manager: str = "gitsync"
    ignore_differences: IgnoreDifferences = field(default_factory=IgnoreDifferences)
    preflight_retries: int = 4
    preflight_backoff: float = 1.0
    preflight_max_backoff: float = 8.0

    def preflight_delay(self, attempt: int) -> float:
        """Seconds before pre-flight retry number `attempt` (1-based)."""
        return float(
            min(self.preflight_backoff * 2 ** max(attempt - 1, 0), self.preflight_max_backoff)
        )
