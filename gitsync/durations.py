"""Durations as users write them: ``90``, ``500ms``, ``30s``, ``3m``, ``2m30s``, ``1h``."""

from __future__ import annotations

import re

from gitsync.errors import UserInputError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | int | float, *, what: str = "duration") -> float:
    """Seconds in `text`. A bare number is seconds. Raises UserInputError naming `what`."""
    if isinstance(text, bool):
        raise UserInputError(f"invalid {what} {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise UserInputError(f"invalid {what} {text!r}: must not be negative")
        return float(text)
    value = text.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if seconds < 0:
            raise UserInputError(f"invalid {what} {text!r}: must not be negative")
        return seconds
    pos = 0
    total = 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(value) or not value:
        raise UserInputError(f"invalid {what} {text!r} (use e.g. 30s, 3m, 1h30m)")
    return total


def format_duration(seconds: float) -> str:
    """Short human form: ``850ms``, ``12.3s``, ``4m05s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
