"""Sync windows: whether an app may sync now, and until when it waits. Pure (the caller
passes the time).

A window is active from each time its cron schedule fires (in its time zone) for its
duration. Of the windows that match an app: an active deny window blocks every sync (a
manual one only when every active deny window allows manual syncs); otherwise, when the
app has allow windows, a sync needs one of them active (a manual sync also passes when an
inactive allow window allows manual syncs); an app that no window matches syncs freely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from gitsync.durations import parse_duration
from gitsync.errors import GitsyncError
from gitsync.project.globs import glob_match
from gitsync.project.model import AppProject, ProjectError, SyncWindow


@dataclass(frozen=True)
class WindowDecision:
    """May the app sync now, and if not, why and until when (None: no known end)."""

    allowed: bool
    reason: str = ""
    until: datetime | None = None


def validate_window(window: SyncWindow, where: str) -> None:
    if window.kind not in ("allow", "deny"):
        raise ProjectError(f"{where}: kind must be allow or deny, not {window.kind!r}")
    if not croniter.is_valid(window.schedule) or len(window.schedule.split()) != 5:
        raise ProjectError(f"{where}: schedule {window.schedule!r} is not a 5-field cron")
    try:
        if parse_duration(window.duration, what="duration") <= 0:
            raise ProjectError(f"{where}: duration must be positive")
    except GitsyncError as err:
        raise ProjectError(f"{where}: {err}") from None
    _zone(window, where)
    if not (window.applications or window.namespaces or window.clusters):
        raise ProjectError(f"{where}: a window needs applications, namespaces or clusters")


def _zone(window: SyncWindow, where: str = "sync window") -> ZoneInfo:
    try:
        return ZoneInfo(window.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ProjectError(f"{where}: unknown timeZone {window.time_zone!r}") from None


def matches(window: SyncWindow, app: str, namespace: str, server: str, cluster: str) -> bool:
    """Whether the window applies to the app (any criterion, or all with andOperator)."""
    tests: list[bool] = []
    if window.applications:
        tests.append(any(glob_match(p, app) for p in window.applications))
    if window.namespaces:
        tests.append(any(glob_match(p, namespace) for p in window.namespaces))
    if window.clusters:
        tests.append(any(glob_match(p, server) or glob_match(p, cluster) for p in window.clusters))
    return all(tests) if window.and_operator else any(tests)


def active_until(window: SyncWindow, now: datetime) -> datetime | None:
    """When the window's current opening ends, or None when it is not open at `now`."""
    local = now.astimezone(_zone(window))
    length = timedelta(seconds=parse_duration(window.duration))
    last_start: datetime = croniter(window.schedule, local).get_prev(datetime)
    end = last_start + length
    return end if last_start <= local < end else None


def next_opening(window: SyncWindow, now: datetime) -> datetime:
    local = now.astimezone(_zone(window))
    found: datetime = croniter(window.schedule, local).get_next(datetime)
    return found


def decide(
    project: AppProject,
    *,
    app: str,
    namespace: str,
    server: str,
    cluster: str,
    manual: bool,
    now: datetime,
) -> WindowDecision:
    windows = [w for w in project.sync_windows if matches(w, app, namespace, server, cluster)]
    if not windows:
        return WindowDecision(True)
    ends = {id(w): active_until(w, now) for w in windows}
    active_denies = [w for w in windows if w.kind == "deny" and ends[id(w)] is not None]
    if active_denies:
        if manual and all(w.manual_sync for w in active_denies):
            return WindowDecision(True, "manual sync allowed in a deny window")
        until = max(e for w in active_denies if (e := ends[id(w)]) is not None)
        return WindowDecision(False, _describe("deny window", active_denies), until)
    allows = [w for w in windows if w.kind == "allow"]
    if not allows or any(ends[id(w)] is not None for w in allows):
        return WindowDecision(True)
    if manual and any(w.manual_sync for w in allows):
        return WindowDecision(True, "manual sync allowed outside the allow windows")
    until = min(next_opening(w, now) for w in allows)
    return WindowDecision(False, _describe("outside the allow windows", allows), until)


def _describe(what: str, windows: Iterable[SyncWindow]) -> str:
    shown = ", ".join(f"{w.schedule} for {w.duration} {w.time_zone}" for w in windows)
    return f"{what} ({shown})"
