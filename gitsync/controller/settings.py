"""An Application's sync policy as the sync engine's settings, and the self-heal backoff."""

from __future__ import annotations

from gitsync.diff import IgnoreDifferences
from gitsync.durations import parse_duration
from gitsync.model import Application, AutomatedSync
from gitsync.sync.settings import RetryPolicy, SyncSettings

# Argo CD retries automated syncs without a retry policy this many times.
AUTOMATED_DEFAULT_RETRIES = 5
SELF_HEAL_FACTOR = 3.0
SELF_HEAL_CAP = 300.0


def retry_policy(app: Application, automated: bool) -> RetryPolicy:
    retry = app.sync_policy.retry
    if retry is None:
        return RetryPolicy(limit=AUTOMATED_DEFAULT_RETRIES) if automated else RetryPolicy()
    backoff = retry.backoff
    return RetryPolicy(
        limit=retry.limit,
        duration=parse_duration(backoff.duration, what="retry backoff duration"),
        factor=float(backoff.factor),
        max_duration=parse_duration(backoff.max_duration, what="retry backoff maxDuration"),
    )


def sync_settings(
    app: Application,
    *,
    automated: bool,
    wave_delay: float,
    ignore: IgnoreDifferences,
    policy: AutomatedSync | None = None,
) -> SyncSettings:
    """`policy` replaces the app's own automated policy (for syncs a RollingSync starts)."""
    if policy is None:
        policy = app.sync_policy.automated if automated else None
    return SyncSettings(
        prune=bool(policy and policy.prune),
        allow_empty=bool(policy and policy.allow_empty),
        wave_delay=wave_delay,
        retry=retry_policy(app, automated),
        ignore_differences=ignore,
    )


def self_heal_delay(attempts: int, base: float) -> float:
    """Seconds a self-heal waits after the previous sync finished (Argo CD: 2 s, x3, 5 min)."""
    return float(min(base * SELF_HEAL_FACTOR ** max(attempts, 0), SELF_HEAL_CAP))
