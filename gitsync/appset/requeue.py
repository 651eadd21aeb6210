"""How often an ApplicationSet's generators ask to be run again (`requeueAfterSeconds`).

A plugin's answer, the open pull requests or a placement's decisions change without any
commit, so these generators are re-run on their interval. Defaults are Argo CD's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.model import ApplicationSet

DEFAULT_REQUEUE_SECONDS = {
    "plugin": 30 * 60.0,
    "pullRequest": 30 * 60.0,
    "clusterDecisionResource": 3 * 60.0,
    "git": 3 * 60.0,
}
MIN_REQUEUE_SECONDS = 1.0
_MAX_DEPTH = 8


def requeue_after(appset: ApplicationSet) -> float | None:
    """The shortest interval any of `appset`'s generators asks for; None: never."""
    return _shortest(list(appset.generators), 0)


def _shortest(entries: Any, depth: int) -> float | None:
    if not isinstance(entries, list) or depth > _MAX_DEPTH:
        return None
    found: list[float] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        for name, spec in entry.items():
            if not isinstance(spec, Mapping):
                continue
            if name in ("matrix", "merge"):
                child = _shortest(spec.get("generators"), depth + 1)
                if child is not None:
                    found.append(child)
                continue
            seconds = _seconds(spec.get("requeueAfterSeconds"), DEFAULT_REQUEUE_SECONDS.get(name))
            if seconds is not None:
                found.append(seconds)
    return min(found) if found else None


def _seconds(raw: Any, default: float | None) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0:
        return default
    return max(float(raw), MIN_REQUEUE_SECONDS)
