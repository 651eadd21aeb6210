"""Argo CD's include/exclude globs: ``*`` and ``**`` match any characters (``/`` too, as
Argo CD compiles them without separators), ``?`` one character, ``[...]`` a class and
``{a,b}`` alternatives, which may nest. Patterns match the path relative to the app path.
"""

from __future__ import annotations

import functools
import re

from gitsync.errors import RenderError


@functools.lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    regex, end = _translate(pattern, 0, in_braces=False)
    if end != len(pattern):
        raise RenderError(f"invalid glob {pattern!r}: unbalanced '}}'")
    return re.compile(f"^(?:{regex})$", re.DOTALL)


def glob_match(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


def _translate(pattern: str, start: int, *, in_braces: bool) -> tuple[str, int]:
    """Regex for pattern[start:], stopping at an unnested ``,`` or ``}`` inside braces."""
    out: list[str] = []
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif char == "*":
            while i < len(pattern) and pattern[i] == "*":
                i += 1
            out.append(".*")
        elif char == "?":
            out.append(".")
            i += 1
        elif char == "[":
            close = pattern.find("]", i + 2)
            if close < 0:
                raise RenderError(f"invalid glob {pattern!r}: unclosed '['")
            body = pattern[i + 1 : close]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{body.replace(chr(92), chr(92) * 2)}]")
            i = close + 1
        elif char == "{":
            alternatives: list[str] = []
            i += 1
            while True:
                part, i = _translate(pattern, i, in_braces=True)
                alternatives.append(part)
                if i >= len(pattern):
                    raise RenderError(f"invalid glob {pattern!r}: unclosed '{{'")
                if pattern[i] == "}":
                    i += 1
                    break
                i += 1  # the ','
            out.append("(?:" + "|".join(alternatives) + ")")
        elif in_braces and char in ",}":
            return "".join(out), i
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out), i
