"""Go's text/template lexer: the template text as a list of tokens.

Delimiters are ``{{`` and ``}}``; ``{{- `` and `` -}}`` trim the white space next to
them (the marker needs the space: ``{{-3}}`` is the number -3). A lexical error becomes
an ``error`` token where it occurs, so the parser reports the first error in reading
order, as Go does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEFT, RIGHT = "{{", "}}"
SPACE_CHARS = " \t\r\n"

KEYWORDS = frozenset(
    ("block", "break", "continue", "define", "else", "end", "if", "range", "template", "with")
)

_WORD = re.compile(r"[^\W]+")  # letters, digits and '_'
_SPACES = re.compile(r"[ \t\r\n]+")
_DIGITS = {10: "0123456789_", 16: "0123456789abcdefABCDEF_", 8: "01234567_", 2: "01_"}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical item of a template, with its byte position."""

    kind: str  # text left right space field var ident keyword bool nil number char
    #            string rawstring pipe lparen rparen declare assign comma dot eof error
    value: str
    pos: int


def _is_space(char: str) -> bool:
    return char in SPACE_CHARS and char != ""


def _has_left_trim(text: str, pos: int) -> bool:
    return text.startswith("-", pos) and len(text) > pos + 1 and _is_space(text[pos + 1])


def _at_right_delim(text: str, pos: int) -> tuple[bool, bool]:
    if (
        len(text) > pos + 1
        and _is_space(text[pos])
        and text[pos + 1] == "-"
        and text.startswith(RIGHT, pos + 2)
    ):
        return True, True
    return text.startswith(RIGHT, pos), False


def _is_ascii_digit(char: str) -> bool:
    return len(char) == 1 and "0" <= char <= "9"


def _is_alnum(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        self.pos = 0

    def error(self, message: str) -> None:
        self.tokens.append(Token("error", message, self.pos))

    def run(self) -> list[Token]:
        text = self.text
        while True:
            start = self.pos
            found = text.find(LEFT, start)
            if found < 0:
                if start < len(text):
                    self.tokens.append(Token("text", text[start:], start))
                self.tokens.append(Token("eof", "", len(text)))
                return self.tokens
            end = found
            if _has_left_trim(text, found + 2):
                end = len(text[start:found].rstrip(SPACE_CHARS)) + start
            if end > start:
                self.tokens.append(Token("text", text[start:end], start))
            if not self.left_delim(found):
                return self.tokens

    def left_delim(self, at: int) -> bool:
        text = self.text
        pos = at + 2
        after = 2 if _has_left_trim(text, pos) else 0
        if text.startswith("/*", pos + after):
            return self.comment(pos + after)
        self.tokens.append(Token("left", LEFT, at))
        self.pos = pos + after
        return self.inside_action()

    def comment(self, pos: int) -> bool:
        text = self.text
        close = text.find("*/", pos + 2)
        if close < 0:
            self.pos = pos
            self.error("unclosed comment")
            return False
        self.pos = close + 2
        delim, trim = _at_right_delim(text, self.pos)
        if not delim:
            self.error("comment ends before closing delimiter")
            return False
        self.pos += (2 if trim else 0) + 2
        if trim:
            self.pos = len(text) - len(text[self.pos :].lstrip(SPACE_CHARS))
        return True

    def inside_action(self) -> bool:
        text = self.text
        depth = 0
        tokens = self.tokens
        while True:
            pos = self.pos
            delim, trim = _at_right_delim(text, pos)
            if delim:
                if depth:
                    self.error("unclosed left paren")
                    return False
                if trim:
                    pos += 2
                tokens.append(Token("right", RIGHT, pos))
                pos += 2
                if trim:
                    pos = len(text) - len(text[pos:].lstrip(SPACE_CHARS))
                self.pos = pos
                return True
            if pos >= len(text):
                self.error("unclosed action")
                return False
            char = text[pos]
            if _is_space(char):
                match = _SPACES.match(text, pos)
                assert match is not None
                end = match.end()
                if text.startswith("-" + RIGHT, end):
                    end -= 1  # the last space belongs to the ' -}}' trim marker
                tokens.append(Token("space", text[pos:end], pos))
                self.pos = end
            elif char == "=":
                tokens.append(Token("assign", "=", pos))
                self.pos = pos + 1
            elif char == ":":
                if not text.startswith(":=", pos):
                    self.pos = pos + 1
                    self.error("expected :=")
                    return False
                tokens.append(Token("declare", ":=", pos))
                self.pos = pos + 2
            elif char == "|":
                tokens.append(Token("pipe", "|", pos))
                self.pos = pos + 1
            elif char == '"':
                if not self.quote(pos):
                    return False
            elif char == "`":
                close = text.find("`", pos + 1)
                if close < 0:
                    self.error("unterminated raw quoted string")
                    return False
                tokens.append(Token("rawstring", text[pos : close + 1], pos))
                self.pos = close + 1
            elif char == "$":
                if not self.field_or_variable(pos, "var"):
                    return False
            elif char == "'":
                if not self.char_constant(pos):
                    return False
            elif char == "." and not _is_ascii_digit(text[pos + 1 : pos + 2]):
                if not self.field_or_variable(pos, "field"):
                    return False
            elif char in "+-.0123456789":
                if not self.number(pos):
                    return False
            elif _is_alnum(char):
                if not self.identifier(pos):
                    return False
            elif char == "(":
                depth += 1
                tokens.append(Token("lparen", "(", pos))
                self.pos = pos + 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    self.pos = pos + 1
                    self.error("unexpected right paren")
                    return False
                tokens.append(Token("rparen", ")", pos))
                self.pos = pos + 1
            elif char == ",":
                tokens.append(Token("comma", ",", pos))
                self.pos = pos + 1
            elif char.isascii() and char.isprintable():
                tokens.append(Token("punct", char, pos))
                self.pos = pos + 1
            else:
                self.error(f"unrecognized character in action: {_rune(char)}")
                return False

    def at_terminator(self, pos: int) -> bool:
        text = self.text
        if pos >= len(text):
            return True
        char = text[pos]
        return _is_space(char) or char in ".,|:()" or text.startswith(RIGHT, pos)

    def bad_character(self, pos: int) -> bool:
        self.pos = pos
        char = self.text[pos] if pos < len(self.text) else ""
        self.error(f"bad character {_rune(char)}")
        return False

    def identifier(self, pos: int) -> bool:
        match = _WORD.match(self.text, pos)
        end = match.end() if match else pos + 1
        if not self.at_terminator(end):
            return self.bad_character(end)
        word = self.text[pos:end]
        if word in KEYWORDS:
            kind = "keyword"
        elif word in ("true", "false"):
            kind = "bool"
        elif word == "nil":
            kind = "nil"
        else:
            kind = "ident"
        self.tokens.append(Token(kind, word, pos))
        self.pos = end
        return True

    def field_or_variable(self, pos: int, kind: str) -> bool:
        if self.at_terminator(pos + 1):
            self.tokens.append(Token("var" if kind == "var" else "dot", self.text[pos], pos))
            self.pos = pos + 1
            return True
        match = _WORD.match(self.text, pos + 1)
        end = match.end() if match else pos + 1
        if not self.at_terminator(end):
            return self.bad_character(end)
        self.tokens.append(Token(kind, self.text[pos:end], pos))
        self.pos = end
        return True

    def quote(self, pos: int) -> bool:
        text = self.text
        index = pos + 1
        while True:
            char = text[index] if index < len(text) else ""
            if char == "\\":
                index += 1
                char = text[index] if index < len(text) else ""
                if char in ("", "\n"):
                    self.error("unterminated quoted string")
                    return False
            elif char in ("", "\n"):
                self.error("unterminated quoted string")
                return False
            elif char == '"':
                break
            index += 1
        self.tokens.append(Token("string", text[pos : index + 1], pos))
        self.pos = index + 1
        return True

    def char_constant(self, pos: int) -> bool:
        text = self.text
        index = pos + 1
        while True:
            char = text[index] if index < len(text) else ""
            if char == "\\":
                index += 1
                char = text[index] if index < len(text) else ""
                if char in ("", "\n"):
                    self.error("unterminated character constant")
                    return False
            elif char in ("", "\n"):
                self.error("unterminated character constant")
                return False
            elif char == "'":
                break
            index += 1
        self.tokens.append(Token("char", text[pos : index + 1], pos))
        self.pos = index + 1
        return True

    def number(self, pos: int) -> bool:
        end = self.scan_number(pos)
        if end is None:
            return False
        if end < len(self.text) and self.text[end] in "+-":
            end2 = self.scan_number(end)
            if end2 is None or self.text[end2 - 1] != "i":
                self.error(f"bad number syntax: {self.text[pos : end2 or end]!r}")
                return False
            self.tokens.append(Token("complex", self.text[pos:end2], pos))
            self.pos = end2
            return True
        self.tokens.append(Token("number", self.text[pos:end], pos))
        self.pos = end
        return True

    def scan_number(self, pos: int) -> int | None:
        text = self.text

        def accept(index: int, chars: str) -> int:
            return index + 1 if index < len(text) and text[index] in chars else index

        def accept_run(index: int, chars: str) -> int:
            while index < len(text) and text[index] in chars:
                index += 1
            return index

        index = accept(pos, "+-")
        base = 10
        if accept(index, "0") > index:
            index += 1
            for chars, candidate in (("xX", 16), ("oO", 8), ("bB", 2)):
                if accept(index, chars) > index:
                    index += 1
                    base = candidate
                    break
        digits = _DIGITS[base]
        index = accept_run(index, digits)
        if accept(index, ".") > index:
            index = accept_run(index + 1, digits)
        if base == 10 and accept(index, "eE") > index:
            index = accept_run(accept(index + 1, "+-"), "0123456789_")
        if base == 16 and accept(index, "pP") > index:
            index = accept_run(accept(index + 1, "+-"), "0123456789_")
        index = accept(index, "i")
        if index < len(text) and _is_alnum(text[index]):
            self.pos = index + 1
            self.error(f"bad number syntax: {_go_quote_simple(text[pos : index + 1])}")
            return None
        self.pos = index
        return index


def _go_quote_simple(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rune(char: str) -> str:
    if not char:
        return "U+FFFFFFFF"  # Go's EOF rune
    code = f"U+{ord(char):04X}"
    return f"{code} {char!r}" if char.isprintable() else code


def lex(text: str) -> list[Token]:
    """All tokens of `text`, ending with ``eof`` or, at the first lexical error, ``error``."""
    return _Lexer(text).run()
