"""Glob patterns as AppProjects use them: ``*`` stops at a separator (when one is given),
``**`` does not, ``?`` is one character, ``[a-z]`` a class, ``{a,b}`` alternatives; a
leading ``!`` negates the pattern where negation is allowed."""

from __future__ import annotations

import re
from functools import lru_cache


def is_deny(pattern: str) -> bool:
    return pattern.startswith("!")


@lru_cache(maxsize=1024)
def _compile(pattern: str, separators: str) -> re.Pattern[str]:
    not_sep = f"[^{re.escape(separators)}]" if separators else "."
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append(f"{not_sep}*")
        elif char == "?":
            out.append(not_sep)
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                negated = body.startswith("!")
                body = body[1:] if negated else body
                out.append(
                    f"[{'^' if negated else ''}{re.escape(body).replace(chr(92) + '-', '-')}]"
                )
                i = end
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    if depth:  # an unclosed brace matches itself, literally
        return re.compile(re.escape(pattern))
    return re.compile("".join(out), re.DOTALL)


def glob_match(pattern: str, value: str, *, negation: bool = False, separators: str = "") -> bool:
    """Whether `value` matches `pattern`; with `negation`, ``!p`` matches what ``p`` does not."""
    if negation and is_deny(pattern):
        return not glob_match(pattern[1:], value, separators=separators)
    if pattern == "*":
        return True
    return _compile(pattern, separators).fullmatch(value) is not None
