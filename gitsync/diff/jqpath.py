"""The subset of jq path expressions that ``ignoreDifferences.jqPathExpressions`` uses.

Supported: ``.a.b``, ``."a-b"``, ``.a[]``, ``.a[0]``, ``.a["k"]``, ``.["k"]``, pipes, and
``select(.field == <literal>)`` / ``select(.field != <literal>)`` with a string, number,
boolean or null literal, e.g. ``.spec.containers[] | select(.name == "app") | .image``.
Anything else is refused with a message naming the expression, rather than silently
ignoring less (or more) than the user asked for.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gitsync.diff.paths import Each, Index, Key, Pattern, Segment, Select

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=)
      | (?P<punct>[.\[\]|()])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


class JqSyntaxError(ValueError):
    """An expression outside the supported subset (the message says which)."""


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise JqSyntaxError(
                f"unsupported jq expression {expression!r} (at {text[pos:].strip()[:20]!r})"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.at = 0

    def fail(self, why: str) -> JqSyntaxError:
        return JqSyntaxError(
            f"unsupported jq expression {self.expression!r}: {why}; supported are paths "
            '(.a.b, .a[], .a[0], .a["k"]), pipes and select(.f == "v")'
        )

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.fail("unexpected end")
        if value is not None and token[1] != value:
            raise self.fail(f"expected {value!r}, found {token[1]!r}")
        self.at += 1
        return token

    def pipeline(self) -> Pattern:
        segments: list[Segment] = list(self.term())
        while self.peek() == ("punct", "|"):
            self.take("|")
            segments.extend(self.term())
        leftover = self.peek()
        if leftover is not None:
            raise self.fail(f"unexpected {leftover[1]!r}")
        return tuple(segments)

    def term(self) -> list[Segment]:
        token = self.peek()
        if token == ("ident", "select"):
            return [self.select()]
        if token == ("punct", "."):
            return self.path()
        raise self.fail(f"unexpected {token[1]!r}" if token else "empty expression")

    def path(self) -> list[Segment]:
        segments: list[Segment] = []
        self.take(".")
        # Right after the leading dot: an optional field name, then suffixes.
        token = self.peek()
        if token is not None and token[0] in ("ident", "string"):
            segments.append(Key(self.name()))
        while True:
            token = self.peek()
            if token == ("punct", "["):
                segments.append(self.bracket())
            elif token == ("punct", ".") and self.at + 1 < len(self.tokens):
                self.take(".")
                nxt = self.peek()
                if nxt is not None and nxt[1] == "[":
                    segments.append(self.bracket())
                else:
                    segments.append(Key(self.name()))
            else:
                return segments

    def name(self) -> str:
        kind, value = self.take()
        if kind == "ident":
            return value
        if kind == "string":
            return str(json.loads(value))
        raise self.fail(f"expected a field name, found {value!r}")

    def bracket(self) -> Segment:
        self.take("[")
        token = self.peek()
        if token == ("punct", "]"):
            self.take("]")
            return Each()
        kind, value = self.take()
        if kind == "number" and re.fullmatch(r"-?\d+", value):
            segment: Segment = Index(int(value))
        elif kind == "string":
            segment = Key(str(json.loads(value)))
        else:
            raise self.fail(f"unsupported index {value!r}")
        self.take("]")
        return segment

    def select(self) -> Segment:
        self.take("select")
        self.take("(")
        relative = self.path()
        if not all(isinstance(s, (Key, Index)) for s in relative):
            raise self.fail("select() compares a plain field path")
        path = tuple(_plain(s) for s in relative)
        _, op = self.take()
        if op not in ("==", "!="):
            raise self.fail(f"select() supports == and !=, not {op!r}")
        literal = self.literal()
        self.take(")")
        return Select(path, literal, negate=op == "!=")

    def literal(self) -> Any:
        kind, value = self.take()
        if kind in ("string", "number"):
            return json.loads(value)
        if kind == "ident" and value in ("true", "false", "null"):
            return json.loads(value)
        raise self.fail(f"expected a literal, found {value!r}")


def _plain(segment: Segment) -> str | int:
    if isinstance(segment, Key):
        return segment.name
    if isinstance(segment, Index):
        return segment.index
    raise JqSyntaxError("select() compares a plain field path")


def parse_jq_path(expression: str) -> Pattern:
    """Parse one expression of the supported subset into a path pattern."""
    return _Parser(expression).pipeline()
