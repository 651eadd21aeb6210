"""When a failed pre-flight (the dry run of every write) is run again: only when every
failure was transient, a bounded number of times, after a growing backoff. Pure: the
operation's step records the outcome; nothing here sleeps or talks to a cluster."""

from __future__ import annotations

from gitsync.errors import ConflictError, KubeError, UnavailableError
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState

# Pre-flight failures: task id -> (message, whether the error was transient).
Failures = dict[str, tuple[str, bool]]


def is_transient(err: KubeError) -> bool:
    """409 conflicts, 429, 5xx and lost connections: worth another try shortly."""
    return isinstance(err, UnavailableError | ConflictError)


def schedule_retry(
    state: OperationState, settings: SyncSettings, now: float, failures: Failures
) -> bool:
    """Whether to run the pre-flight again later; if so, `state` holds when and why."""
    if not failures or not all(transient for _, transient in failures.values()):
        return False
    if state.preflight_attempts >= settings.preflight_retries:
        return False
    state.preflight_attempts += 1
    delay = settings.preflight_delay(state.preflight_attempts)
    state.next_attempt_at = now + delay
    first = next(iter(failures.values()))[0]
    state.message = (
        f"pre-flight: retrying in {delay:.0f}s (attempt {state.preflight_attempts} of "
        f"{settings.preflight_retries}) after a transient error: {first}"
    )
    return True
