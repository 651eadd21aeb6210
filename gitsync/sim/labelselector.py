"""Label selectors as the API server parses them, written from the Kubernetes grammar.

    selector    := requirement ( "," requirement )*
    requirement := ["!"] KEY
                 | KEY ("=" | "==" | "!=") VALUE
                 | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"
                 | KEY (">" | "<") INTEGER

Keys are qualified names (an optional DNS-subdomain prefix and ``/``, then a name of at
most 63 characters); values are empty or names of at most 63 characters. The emulator keeps
its own parser (it shares no code with the engine) so that a bug in one cannot hide in the
other; anything the grammar refuses becomes a 400, as on a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

LabelTest = Callable[[Mapping[str, str]], bool]

_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_TOKEN = re.compile(r"\s*(==|!=|=|>|<|!|,|\(|\)|[^\s=!,()<>]+)")
_OPERATORS = ("=", "==", "!=", ">", "<")


class SelectorSyntaxError(ValueError):
    """The selector does not follow the grammar; the message says where."""


@dataclass(frozen=True)
class _Token:
    text: str
    position: int


def _tokens(selector: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(selector):
        match = _TOKEN.match(selector, position)
        if match is None:
            if selector[position:].strip():
                raise SelectorSyntaxError(f"unexpected text at {position}")
            break
        tokens.append(_Token(match.group(1), match.start(1)))
        position = match.end()
    return tokens


def _check_key(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise SelectorSyntaxError(f"invalid label key {key!r}: bad prefix")
    if not name or len(name) > 63 or not _NAME.match(name):
        raise SelectorSyntaxError(f"invalid label key {key!r}")
    return key


def _check_value(value: str) -> str:
    if len(value) > 63 or not _NAME.match(value):
        raise SelectorSyntaxError(f"invalid label value {value!r}")
    return value


class _Parser:
    def __init__(self, selector: str) -> None:
        self.tokens = _tokens(selector)
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index].text if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise SelectorSyntaxError("unexpected end of selector")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        found = self.take()
        if found != text:
            raise SelectorSyntaxError(f"expected {text!r}, found {found!r}")

    def selector(self) -> list[LabelTest]:
        tests: list[LabelTest] = []
        if self.peek() is None:
            return tests
        while True:
            tests.append(self.requirement())
            if self.peek() is None:
                return tests
            self.expect(",")

    def requirement(self) -> LabelTest:
        if self.peek() == "!":
            self.take()
            key = _check_key(self.take())
            return lambda labels: key not in labels
        key = _check_key(self.take())
        operator = self.peek()
        if operator is None or operator == ",":
            return lambda labels: key in labels
        self.take()
        if operator in ("in", "notin"):
            return self.set_requirement(key, operator == "in")
        if operator not in _OPERATORS:
            raise SelectorSyntaxError(f"unknown operator {operator!r}")
        value = "" if self.peek() in (None, ",") else self.take()
        if operator in (">", "<"):
            return _ordering(key, value, operator)
        _check_value(value)
        if operator == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: key in labels and labels[key] == value

    def set_requirement(self, key: str, inside: bool) -> LabelTest:
        self.expect("(")
        values: set[str] = set()
        while True:
            token = self.take()
            if token == ")" and not values:
                break
            if token in (",", ")"):
                values.add("")
            else:
                values.add(_check_value(token))
                token = self.take()
            if token == ")":
                break
            if token != ",":
                raise SelectorSyntaxError(f"expected ',' or ')', found {token!r}")
        if not values:
            raise SelectorSyntaxError(f"{key}: a set needs at least one value")
        frozen = frozenset(values)
        if inside:
            return lambda labels: key in labels and labels[key] in frozen
        return lambda labels: labels.get(key) not in frozen


def _ordering(key: str, value: str, operator: str) -> LabelTest:
    try:
        bound = int(value)
    except ValueError:
        raise SelectorSyntaxError(f"{key}{operator}{value}: needs an integer") from None

    def test(labels: Mapping[str, str]) -> bool:
        try:
            found = int(labels[key])
        except (KeyError, ValueError):
            return False
        return found > bound if operator == ">" else found < bound

    return test


def parse(selector: str) -> LabelTest:
    """A test for one object's labels; raises SelectorSyntaxError when the grammar refuses."""
    tests = _Parser(selector).selector()
    return lambda labels: all(test(labels) for test in tests)
