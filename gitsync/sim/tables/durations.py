"""Ages as Kubernetes prints them (`45s`, `3m12s`, `5h`, `2d`): the server-side printers
round a duration to at most two units, coarser the older the object is."""

from __future__ import annotations

from datetime import UTC, datetime

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_YEAR = 365 * _DAY


def human_duration(seconds: float) -> str:
    """Kubernetes' short human form of a duration; a little clock skew reads as now."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 2 * _MINUTE:
        return f"{whole}s"
    minutes = whole // _MINUTE
    if minutes < 10:
        return _two(minutes, "m", whole % _MINUTE, "s")
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = whole // _HOUR
    if hours < 8:
        return _two(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 8 * 24:
        return _two(days, "d", hours % 24, "h")
    if days < 2 * 365:
        return f"{days}d"
    years = days // 365
    if days < 8 * 365:
        return _two(years, "y", days % 365, "d")
    return f"{years}y"


def _two(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}{small}{small_unit}" if small else f"{big}{big_unit}"


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp as the API writes it, or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def since(value: object, now: datetime) -> str:
    """How long ago a timestamp was, `<unknown>` when there is none (as kubectl shows)."""
    then = parse_time(value)
    if then is None:
        return "<unknown>"
    return human_duration((now - then).total_seconds())


def between(start: object, end: object) -> str:
    first, last = parse_time(start), parse_time(end)
    if first is None or last is None:
        return ""
    return human_duration((last - first).total_seconds())
