"""Can an apply be skipped? `live_satisfies` plus what server-side apply would remove."""

from __future__ import annotations

from typing import Any

from gitsync.diff.managedfields import managed_by
from gitsync.diff.paths import evaluate
from gitsync.diff.satisfies import live_satisfies


def apply_is_noop(desired: dict[str, Any], live: dict[str, Any], field_manager: str) -> bool:
    """True when a server-side apply of `desired` by `field_manager` would change nothing.

    `live_satisfies` alone is not enough: server-side apply also removes the fields this
    manager owned before and no longer applies (an env var deleted from Git, say), so
    every field the manager owns in live must still be set by `desired`.
    """
    if not live_satisfies(desired, live):
        return False
    return all(
        next(evaluate(desired, pattern), None) is not None
        for pattern in managed_by(live, (field_manager,))
    )
