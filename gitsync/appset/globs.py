"""Path patterns of the git generator.

Directories use Go's ``path.Match``: ``*`` and ``?`` never cross ``/``, ``[...]`` is a
class (``[^...]`` or ``[!...]`` negated), ``\\`` escapes.

Files, by default, match as Argo CD's default does (``git ls-files -- PATTERN``, Git's
pathspec): ``*``, ``?`` and classes cross ``/`` (so ``apps/*.json`` also matches
``apps/a/b.json``), and a pattern that names a directory matches every file below it.
With the newer globbing (Argo CD's ``applicationsetcontroller.enable.new.git.file.globbing``,
which uses doublestar), ``*`` and ``?`` stay inside one segment, ``**`` matches any number
of whole directories, and ``{a,b}`` are alternatives.

Every ``*`` but the last of a run becomes an atomic lazy group (as Python's fnmatch
does), so a pattern such as ``*a*a*a*b`` cannot make matching take exponential time.
"""

from __future__ import annotations

import functools
import re

from gitsync.appset.errors import FieldError

MAX_PATTERN = 1024
_MAX_ALTERNATIVES = 256
_MAX_DOUBLESTARS = 8
_ANY = "."
_IN_SEGMENT = "[^/]"


@functools.lru_cache(maxsize=512)
def segment_regex(segment: str) -> re.Pattern[str]:
    """One path segment of a pattern (no ``/`` inside)."""
    return re.compile(f"^{_translate(segment, segment, _IN_SEGMENT)}$", re.DOTALL)


@functools.lru_cache(maxsize=512)
def path_regex(pattern: str) -> re.Pattern[str]:
    """A whole path pattern of `path.Match` segments, with ``**`` as any directories."""
    return re.compile("^" + _segments(pattern, pattern) + "$", re.DOTALL)


@functools.lru_cache(maxsize=512)
def pathspec_regex(pattern: str) -> re.Pattern[str]:
    """Git's wildcard pathspec (wildmatch without WM_PATHNAME): wildcards cross ``/``."""
    _check_length(pattern)
    return re.compile("^" + _translate(pattern, pattern, _ANY) + "$", re.DOTALL)


def pathspec_matches(pattern: str, path: str) -> bool:
    """Whether ``git ls-files -- pattern`` lists `path`: the pattern is the path, a
    leading directory of it, or (with wildcards) matches the whole path."""
    literal = pattern.rstrip("/")
    if path == literal or path.startswith(literal + "/"):
        return True
    return has_magic(pattern) and pathspec_regex(pattern).match(path) is not None


@functools.lru_cache(maxsize=512)
def doublestar_regex(pattern: str) -> re.Pattern[str]:
    """doublestar's glob: ``**`` segments, ``{a,b}`` alternatives, the rest as path.Match."""
    _check_length(pattern)
    expanded = _expand_braces(pattern, pattern)
    return re.compile("^(?:" + "|".join(_segments(p, pattern) for p in expanded) + ")$", re.DOTALL)


def has_magic(text: str) -> bool:
    return any(char in text for char in "*?[\\")


def _check_length(pattern: str) -> None:
    if len(pattern) > MAX_PATTERN:
        raise FieldError("", f"pattern longer than {MAX_PATTERN} characters")


def _segments(text: str, pattern: str) -> str:
    _check_length(text)
    segments = text.split("/")
    if segments.count("**") > _MAX_DOUBLESTARS:
        raise FieldError("", f"invalid pattern {pattern!r}: more than {_MAX_DOUBLESTARS} '**'")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            if index and segments[index - 1] == "**":
                continue  # a/**/**/b is a/**/b
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_translate(segment, pattern, _IN_SEGMENT) + ("" if last else "/"))
    return "".join(parts)


def _expand_braces(text: str, pattern: str) -> list[str]:
    """``a{b,c}d`` -> [abd, acd], nested and repeated groups included (bounded)."""
    found = _first_braces(text, pattern)
    if found is None:
        return [text]
    start, end, options = found
    results: list[str] = []
    for option in options:
        for tail in _expand_braces(option + text[end + 1 :], pattern):
            results.append(text[:start] + tail)
            if len(results) > _MAX_ALTERNATIVES:
                raise FieldError(
                    "", f"invalid pattern {pattern!r}: more than {_MAX_ALTERNATIVES} alternatives"
                )
    return results


def _first_braces(text: str, pattern: str) -> tuple[int, int, list[str]] | None:
    """The first ``{...}`` outside classes and escapes: (start, end, its options)."""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
        elif char == "[":
            close = text.find("]", i + 2)
            i = close + 1 if close > 0 else i + 1
        elif char == "{":
            depth, options, begin, j = 0, [], i + 1, i
            while j < len(text):
                c = text[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        options.append(text[begin:j])
                        return i, j, options
                elif c == "," and depth == 1:
                    options.append(text[begin:j])
                    begin = j + 1
                j += 1
            raise FieldError("", f"invalid pattern {pattern!r}: unclosed '{{'")
        else:
            i += 1
    return None


def _translate(text: str, pattern: str, one: str) -> str:
    """`text` as a regex; `one` is what ``?`` (and ``*``, repeated) matches."""
    chunks: list[list[str]] = [[]]  # the fixed-length pieces between stars
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise FieldError("", f"invalid pattern {pattern!r}: trailing '\\'")
            chunks[-1].append(re.escape(text[i + 1]))
            i += 2
        elif char == "*":
            while i < len(text) and text[i] == "*":
                i += 1
            chunks.append([])
        elif char == "?":
            chunks[-1].append(one)
            i += 1
        elif char == "[":
            body, i = _bracket(text, i, pattern, within_segment=one == _IN_SEGMENT)
            chunks[-1].append(body)
        else:
            chunks[-1].append(re.escape(char))
            i += 1
    out = "".join(chunks[0])
    for chunk in chunks[1:-1]:
        out += f"(?>{one}*?{''.join(chunk)})"
    if len(chunks) > 1:
        out += f"{one}*{''.join(chunks[-1])}"
    return out


def _bracket(text: str, at: int, pattern: str, *, within_segment: bool) -> tuple[str, int]:
    """The regex class for the ``[...]`` starting at `at`, and the index after it."""
    close = text.find("]", at + 2)
    if close < 0:
        raise FieldError("", f"invalid pattern {pattern!r}: unclosed '['")
    body = text[at + 1 : close]
    negate = body[:1] in ("^", "!")
    body = body[1:] if negate else body
    escaped = body.replace("\\", "\\\\").replace("[", "\\[")
    if negate:
        return f"[^{'/' if within_segment else ''}{escaped}]", close + 1
    return f"[{escaped}]", close + 1
