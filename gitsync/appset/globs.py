"""Path patterns of the git generator.

Directories use Go's ``path.Match``: ``*`` and ``?`` never cross ``/``, ``[...]`` is a
class (``[^...]`` or ``[!...]`` negated), ``\\`` escapes. Files use the same rules plus
``**``, which matches any number of whole directories (Argo CD's "new" file globbing).
"""

from __future__ import annotations

import functools
import re

from gitsync.appset.errors import FieldError


@functools.lru_cache(maxsize=512)
def segment_regex(segment: str) -> re.Pattern[str]:
    """One path segment of a pattern (no ``/`` inside)."""
    return re.compile(f"^{_translate(segment, segment)}$", re.DOTALL)


@functools.lru_cache(maxsize=512)
def path_regex(pattern: str) -> re.Pattern[str]:
    """A whole path pattern, with ``**`` as zero or more directories."""
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_translate(segment, pattern) + ("" if last else "/"))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def has_magic(text: str) -> bool:
    return any(char in text for char in "*?[\\")


def _translate(segment: str, pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "\\":
            if i + 1 >= len(segment):
                raise FieldError("", f"invalid pattern {pattern!r}: trailing '\\'")
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif char == "*":
            while i < len(segment) and segment[i] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            close = segment.find("]", i + 2)
            if close < 0:
                raise FieldError("", f"invalid pattern {pattern!r}: unclosed '['")
            body = segment[i + 1 : close]
            negate = body[:1] in ("^", "!")
            body = body[1:] if negate else body
            escaped = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^/' if negate else ''}{escaped}]")
            i = close + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)
