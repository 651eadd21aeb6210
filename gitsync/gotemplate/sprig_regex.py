"""Sprig's regular expression functions with Go's RE2 syntax and matching rules.

Patterns run on RE2 (linear time, no backreferences), as Go's regexp does, so a
pattern from Git cannot make the controller backtrack for ever. Replacement strings
expand ``$1``, ``${1}``, ``$name`` and ``${name}`` as Go's Regexp.Expand does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import re2

from gitsync.gotemplate.convert import check_chars, check_items
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import F, FuncMap, alias, register
from gitsync.gotemplate.values import StringList

REGEX: FuncMap = {}
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 8 << 20
_EXPAND = re.compile(r"\$(?:\{([^}]*)\}|([A-Za-z0-9_]+)|(\$))?")


@functools.lru_cache(maxsize=512)
def compile_go(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as err:
        message = err.args[0] if err.args else str(err)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise FuncError(f"error parsing regexp: {message}") from None


def find_all(compiled: Any, text: str, limit: int = -1) -> list[Any]:
    """Regexp.FindAll: no empty match right after a previous match."""
    matches: list[Any] = []
    pos = 0
    previous_end = -1
    while (limit < 0 or len(matches) < limit) and pos <= len(text):
        match = compiled.search(text, pos)
        if match is None:
            break
        start, end = match.span()
        accept = True
        if end == start:
            if start == previous_end:
                accept = False
            pos = end + 1
        else:
            pos = end
        previous_end = end
        if accept:
            matches.append(match)
            check_items(len(matches), "regexFindAll")
    return matches


def _expand(template: str, match: Any, names: dict[str, int]) -> str:
    def group(found: re.Match[str]) -> str:
        if found.group(3):
            return "$"
        name = found.group(1) if found.group(1) is not None else found.group(2)
        if name is None:
            return "$"
        if name.isdigit():
            index = int(name)
            if index > match.re.groups:
                return ""
            return match.group(index) or ""
        if name in names:
            return match.group(names[name]) or ""
        return ""

    return _EXPAND.sub(group, template)


def replace_all(pattern: str, text: str, replacement: str, literal: bool) -> str:
    compiled = compile_go(pattern)
    names = dict(compiled.groupindex)
    out: list[str] = []
    last = 0
    size = 0
    for match in find_all(compiled, text):
        start, end = match.span()
        piece = replacement if literal else _expand(replacement, match, names)
        out.append(text[last:start])
        out.append(piece)
        size += start - last + len(piece)
        check_chars(size, "regexReplaceAll")
        last = end
    out.append(text[last:])
    return "".join(out)


def _register_both(name: str, *params: str) -> Callable[[F], F]:
    def add(impl: F) -> F:
        register(REGEX, name, *params)(impl)
        alias(REGEX, "must" + name[0].upper() + name[1:], name)
        return impl

    return add


@register(REGEX, "regexMatch", "string", "string")
def _regex_match(pattern: str, text: str) -> bool:
    try:
        return compile_go(pattern).search(text) is not None
    except FuncError:
        return False  # Sprig's regexMatch ignores a bad pattern


@register(REGEX, "mustRegexMatch", "string", "string")
def _must_regex_match(pattern: str, text: str) -> bool:
    return compile_go(pattern).search(text) is not None


@_register_both("regexFindAll", "string", "string", "int")
def _regex_find_all(pattern: str, text: str, limit: int) -> StringList:
    if limit == 0:
        return StringList()
    return StringList(m.group(0) for m in find_all(compile_go(pattern), text, limit))


@_register_both("regexFind", "string", "string")
def _regex_find(pattern: str, text: str) -> str:
    match = compile_go(pattern).search(text)
    return match.group(0) if match else ""


@_register_both("regexReplaceAll", "string", "string", "string")
def _regex_replace_all(pattern: str, text: str, replacement: str) -> str:
    return replace_all(pattern, text, replacement, literal=False)


@_register_both("regexReplaceAllLiteral", "string", "string", "string")
def _regex_replace_all_literal(pattern: str, text: str, replacement: str) -> str:
    return replace_all(pattern, text, replacement, literal=True)


@_register_both("regexSplit", "string", "string", "int")
def _regex_split(pattern: str, text: str, limit: int) -> StringList:
    if limit == 0:
        return StringList()
    if pattern and not text:
        return StringList([""])
    parts = StringList()
    begin = end = 0
    for match in find_all(compile_go(pattern), text, limit):
        if limit > 0 and len(parts) == limit - 1:
            break
        end = match.start()
        if match.end() != 0:
            parts.append(text[begin:end])
        begin = match.end()
    if end != len(text):
        parts.append(text[begin:])
    return parts


_META = set("\\.+*?()|[]{}^$")
register(REGEX, "regexQuoteMeta", "string")(
    lambda text: "".join("\\" + c if c in _META else c for c in text)
)
