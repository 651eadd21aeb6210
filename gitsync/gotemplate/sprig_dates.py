"""Sprig's date functions with Go's reference-time layouts ("2006-01-02 15:04:05").

The controller's local zone is UTC here ("Local" means UTC), so a render does not
depend on the machine it runs on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, alias, register
from gitsync.gotemplate.values import GoObject, Int64

DATES: FuncMap = {}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
_MONTHS += ["September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_LAYOUT = re.compile(
    r"January|Jan|Monday|Mon|MST|2006|2006|002|_2|02|01|06|15|03|04|05|PM|pm"
    r"|Z07:00:00|-07:00:00|Z0700|Z07:00|Z07|-0700|-07:00|-07|[.,](?:0+|9+)(?!\d)|1|2|3|4|5"
)
_NANOS = 1_000_000_000


class GoTime(GoObject):
    """A time value as Sprig's date functions pass it around (Go's time.Time)."""

    go_type = "time.Time"

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def go_string(self) -> str:
        return go_format(self.moment, "2006-01-02 15:04:05.999999999 -0700 MST")

    def go_field(self, name: str) -> Any:
        moment = self.moment
        fields: dict[str, Any] = {
            "Year": moment.year,
            "Day": moment.day,
            "Hour": moment.hour,
            "Minute": moment.minute,
            "Second": moment.second,
            "YearDay": moment.timetuple().tm_yday,
            "Unix": Int64(int(moment.timestamp())),
            "String": self.go_string(),
        }
        if name not in fields:
            raise KeyError(name)
        return fields[name]


def _zone_name(moment: datetime) -> str:
    name = moment.tzname() or "UTC"
    return name


def _offset(moment: datetime, sep: str, z: bool, seconds: bool = False) -> str:
    delta = moment.utcoffset() or timedelta(0)
    total = int(delta.total_seconds())
    if z and total == 0:
        return "Z"
    sign = "-" if total < 0 else "+"
    total = abs(total)
    text = f"{sign}{total // 3600:02d}{sep}{total % 3600 // 60:02d}"
    if seconds:
        text += f"{sep}{total % 60:02d}"
    return text


def go_format(moment: datetime, layout: str) -> str:
    def element(match: re.Match[str]) -> str:
        token = match.group(0)
        hour12 = moment.hour % 12 or 12
        if token == "January":
            return _MONTHS[moment.month - 1]
        if token == "Jan":
            return _MONTHS[moment.month - 1][:3]
        if token == "Monday":
            return _DAYS[moment.weekday()]
        if token == "Mon":
            return _DAYS[moment.weekday()][:3]
        if token == "MST":
            return _zone_name(moment)
        simple = {
            "2006": f"{moment.year:04d}",
            "06": f"{moment.year % 100:02d}",
            "01": f"{moment.month:02d}",
            "1": str(moment.month),
            "02": f"{moment.day:02d}",
            "_2": f"{moment.day:2d}",
            "2": str(moment.day),
            "002": f"{moment.timetuple().tm_yday:03d}",
            "15": f"{moment.hour:02d}",
            "03": f"{hour12:02d}",
            "3": str(hour12),
            "04": f"{moment.minute:02d}",
            "4": str(moment.minute),
            "05": f"{moment.second:02d}",
            "5": str(moment.second),
            "PM": "PM" if moment.hour >= 12 else "AM",
            "pm": "pm" if moment.hour >= 12 else "am",
        }
        if token in simple:
            return simple[token]
        if token.startswith(("Z", "-")):
            z = token.startswith("Z")
            body = token[1:]
            if body == "07":
                return _offset(moment, "", z)[:3] if not (z and not moment.utcoffset()) else "Z"
            return _offset(moment, ":" if ":" in body else "", z, seconds=body.count(":") == 2)
        digits = f"{moment.microsecond * 1000:09d}"
        width = len(token) - 1
        if token[1] == "0":
            return token[0] + digits[:width]
        trimmed = digits[:width].rstrip("0")
        return token[0] + trimmed if trimmed else ""

    return _LAYOUT.sub(element, layout)


def _zone(name: str) -> Any:
    if name in ("Local", "UTC", ""):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _as_time(value: Any) -> datetime:
    if isinstance(value, GoTime):
        return value.moment
    if isinstance(value, int) and not isinstance(value, bool) and type(value) in (int, Int64):
        return datetime.fromtimestamp(int(value), UTC)
    return datetime.now(UTC)


@register(DATES, "dateInZone", "string", "any", "string")
def _date_in_zone(layout: str, value: Any, zone: str) -> str:
    return go_format(_as_time(value).astimezone(_zone(zone)), layout)


alias(DATES, "date_in_zone", "dateInZone")
register(DATES, "date", "string", "any")(
    lambda layout, value: _date_in_zone(layout, value, "Local")
)
register(DATES, "htmlDate", "any")(lambda value: _date_in_zone("2006-01-02", value, "Local"))
register(DATES, "htmlDateInZone", "any", "string")(
    lambda value, zone: _date_in_zone("2006-01-02", value, zone)
)
register(DATES, "now")(lambda: GoTime(datetime.now(UTC)))
register(DATES, "unixEpoch", "time")(lambda value: str(int(value.moment.timestamp())))

_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000}
_DURATION_UNITS.update({"s": _NANOS, "m": 60 * _NANOS, "h": 3600 * _NANOS})
_DURATION = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """time.ParseDuration in nanoseconds; ValueError when invalid."""
    body = text
    sign = 1
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise ValueError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _DURATION.match(body, pos)
        if not match or match.group(1) in ("", "."):
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return sign * int(total)


def format_duration(nanos: int) -> str:
    """time.Duration.String: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    value = abs(nanos)
    if value < _NANOS:
        for unit, size in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if value < size * 1000:
                return sign + _trim_fraction(value, size) + unit
    hours, rest = divmod(value, 3600 * _NANOS)
    minutes, rest = divmod(rest, 60 * _NANOS)
    text = _trim_fraction(rest, _NANOS) + "s"
    if hours or minutes:
        text = f"{minutes}m" + text
    if hours:
        text = f"{hours}h" + text
    return sign + text


def _trim_fraction(value: int, size: int) -> str:
    whole, fraction = divmod(value, size)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(size)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


@register(DATES, "duration", "any")
def _duration(seconds: Any) -> str:
    count = 0
    if isinstance(seconds, str):
        try:
            count = int(seconds, 10) if seconds.lstrip("+-").isdigit() else 0
        except ValueError:
            count = 0
    elif isinstance(seconds, Int64):
        count = int(seconds)
    return format_duration(count * _NANOS)


@register(DATES, "durationRound", "any")
def _duration_round(value: Any) -> str:
    nanos = 0
    if isinstance(value, str):
        try:
            nanos = parse_duration(value)
        except ValueError:
            nanos = 0
    elif isinstance(value, Int64):
        nanos = int(value)
    elif isinstance(value, GoTime):
        nanos = int((datetime.now(UTC) - value.moment).total_seconds() * _NANOS)
    magnitude = abs(nanos)
    hour = 3600 * _NANOS
    for unit, size in (("y", hour * 24 * 365), ("mo", hour * 24 * 30), ("d", hour * 24)):
        if magnitude > size:
            return f"{magnitude // size}{unit}"
    for unit, size in (("h", hour), ("m", 60 * _NANOS), ("s", _NANOS)):
        if magnitude > size:
            return f"{magnitude // size}{unit}"
    return "0s"


@register(DATES, "ago", "any")
def _ago(value: Any) -> str:
    delta = datetime.now(UTC) - _as_time(value)
    return format_duration(round(delta.total_seconds()) * _NANOS)


def _modify(change: str, value: GoTime) -> GoTime:
    nanos = parse_duration(change)
    return GoTime(value.moment + timedelta(microseconds=nanos / 1000))


@register(DATES, "dateModify", "string", "time")
def _date_modify(change: str, value: GoTime) -> GoTime:
    try:
        return _modify(change, value)
    except ValueError:
        return value


@register(DATES, "mustDateModify", "string", "time")
def _must_date_modify(change: str, value: GoTime) -> GoTime:
    try:
        return _modify(change, value)
    except ValueError as err:
        raise FuncError(str(err)) from None


alias(DATES, "date_modify", "dateModify")
alias(DATES, "must_date_modify", "mustDateModify")

_PARSE_PATTERNS = {
    "2006": r"(?P<Y>\d{4})",
    "01": r"(?P<m>\d{2})",
    "02": r"(?P<d>\d{2})",
    "15": r"(?P<H>\d{2})",
    "04": r"(?P<M>\d{2})",
    "05": r"(?P<S>\d{2})",
    "1": r"(?P<m>\d{1,2})",
    "2": r"(?P<d>\d{1,2})",
    "Z07:00": r"(?P<z>Z|[+-]\d{2}:\d{2})",
    "-07:00": r"(?P<z>[+-]\d{2}:\d{2})",
    "-0700": r"(?P<z>[+-]\d{4})",
    "MST": r"(?P<zn>[A-Z]{3,4})",
}


def parse_time(layout: str, text: str) -> GoTime:
    pattern = ""
    pos = 0
    for match in _LAYOUT.finditer(layout):
        pattern += re.escape(layout[pos : match.start()])
        token = match.group(0)
        if token not in _PARSE_PATTERNS or f"(?P<{_PARSE_PATTERNS[token][4:5]}" in pattern:
            if token.startswith((".", ",")):
                pattern += r"(?:[.,]\d+)?"
            else:
                raise FuncError(f"parsing time {text!r} as {layout!r}: unsupported layout element")
        else:
            pattern += _PARSE_PATTERNS[token]
        pos = match.end()
    pattern += re.escape(layout[pos:])
    found = re.fullmatch(pattern, text)
    if not found:
        raise FuncError(f'parsing time "{text}" as "{layout}": cannot parse')
    parts = found.groupdict()
    zone: Any = UTC
    if parts.get("z") and parts["z"] != "Z":
        raw = parts["z"].replace(":", "")
        minutes = int(raw[1:3]) * 60 + int(raw[3:5])
        zone = timezone(timedelta(minutes=-minutes if raw[0] == "-" else minutes))
    try:
        moment = datetime(
            int(parts.get("Y") or 0) or 1,
            int(parts.get("m") or 1),
            int(parts.get("d") or 1),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
            tzinfo=zone,
        )
    except ValueError as err:
        raise FuncError(f'parsing time "{text}": {err}') from None
    return GoTime(moment)


@register(DATES, "toDate", "string", "string")
def _to_date(layout: str, text: str) -> GoTime:
    try:
        return parse_time(layout, text)
    except FuncError:
        return GoTime(datetime(1, 1, 1, tzinfo=UTC))


register(DATES, "mustToDate", "string", "string")(parse_time)
