"""Label selectors as kubectl's ``-l`` takes them: ``a=b,c!=d,e,!f,g in (h,i),j notin (k)``."""

from __future__ import annotations

import re

from gitsync.appset.selector import Requirement, Selector
from gitsync.errors import GitsyncError

MAX_SELECTOR_LENGTH = 4096

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_VALUE = r"[-A-Za-z0-9_.]*"
_EQUALS = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^)]*)\)$")
_EXISTS = re.compile(rf"^(!?)\s*({_KEY})$")


class SelectorError(GitsyncError):
    """A label selector that does not parse."""


def parse_label_selector(text: str) -> Selector:
    """The `Selector` of a kubectl-style selector string; empty matches everything."""
    if len(text) > MAX_SELECTOR_LENGTH:
        raise SelectorError(f"label selector longer than {MAX_SELECTOR_LENGTH} characters")
    return Selector(tuple(_requirement(term) for term in _terms(text)))


def _terms(text: str) -> list[str]:
    """Split at commas outside parentheses."""
    terms: list[str] = []
    depth, current = 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [t.strip() for t in terms if t.strip()]


def _requirement(term: str) -> Requirement:
    if match := _EQUALS.match(term):
        key, operator, value = match.groups()
        return Requirement(key, "NotIn" if operator == "!=" else "In", frozenset([value]))
    if match := _SET.match(term):
        key, operator, values = match.groups()
        chosen = frozenset(v.strip() for v in values.split(",") if v.strip())
        if not all(re.fullmatch(_VALUE, v) for v in chosen):
            raise SelectorError(f"invalid value in label selector term {term!r}")
        return Requirement(key, "In" if operator == "in" else "NotIn", chosen)
    if match := _EXISTS.match(term):
        negated, key = match.groups()
        return Requirement(key, "DoesNotExist" if negated else "Exists", frozenset())
    raise SelectorError(f"invalid label selector term {term!r}")
