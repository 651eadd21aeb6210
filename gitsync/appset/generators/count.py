"""The bound on param sets: an ApplicationSet generates at most `max-generated-apps`."""

from __future__ import annotations

from gitsync.appset.context import Context


def check_count(count: int, ctx: Context, field: str) -> None:
    """More param sets than one ApplicationSet may turn into Applications: refused before
    anything is done with them."""
    limits = ctx.limits
    if count > limits.max_generated_apps:
        raise limits.exceeded("max-generated-apps", f"{field}: {count:,} param sets")
