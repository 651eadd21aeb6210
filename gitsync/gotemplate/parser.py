"""Go's text/template parser: tokens to a tree per template name.

The grammar, the variable scoping (a variable lives until the ``end`` of the control
structure that declared it) and the error messages follow Go's text/template/parse.
Nesting is bounded (`Limits.max_parse_depth`) so a hostile text cannot exhaust the stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gitsync.gotemplate.errors import TemplateBoundError, TemplateParseError
from gitsync.gotemplate.lexer import Token, lex
from gitsync.gotemplate.limits import Limits
from gitsync.gotemplate.nodes import (
    Action,
    Arg,
    Bool,
    Branch,
    Break,
    Chain,
    Command,
    Continue,
    Dot,
    Field,
    Identifier,
    Nil,
    Node,
    Number,
    Pipe,
    String,
    TemplateCall,
    Text,
    Variable,
)
from gitsync.gotemplate.quoting import go_unquote

_OCTAL = re.compile(r"[+-]?0[0-7_]+")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


@dataclass
class _End:
    pos: int


@dataclass
class _Else:
    pos: int


@dataclass
class Tree:
    """The parsed templates of one text: the main one is named ``""``."""

    text: str
    templates: dict[str, list[Node]]


class _Parser:
    def __init__(
        self, text: str, known: Callable[[str], str | None], limits: Limits, name: str
    ) -> None:
        self.text = text
        self.tokens = lex(text)
        self.index = 0
        self.known = known
        self.limits = limits
        self.name = name
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.depth = 0
        self.templates: dict[str, list[Node]] = {}
        self.last: Token = self.tokens[0]

    # -- tokens ---------------------------------------------------------------------------

    def next(self) -> Token:
        token = self.tokens[self.index]
        if token.kind == "error":
            self.last = token
            self.error(token.value)
        self.index += 1
        self.last = token
        return token

    def backup(self, count: int = 1) -> None:
        self.index -= count

    def peek(self) -> Token:
        token = self.tokens[self.index]
        if token.kind == "error":
            self.last = token
            self.error(token.value)
        return token

    def next_non_space(self) -> Token:
        token = self.next()
        while token.kind == "space":
            token = self.next()
        return token

    def peek_non_space(self) -> Token:
        token = self.next_non_space()
        self.backup()
        return token

    def error(self, message: str) -> TemplateParseError:
        line = self.text.count("\n", 0, self.last.pos) + 1
        raise TemplateParseError(f"template: {self.name}:{line}: {message}")

    def unexpected(self, token: Token, context: str) -> TemplateParseError:
        if token.kind == "error":
            return self.error(token.value)
        return self.error(f"unexpected {_describe(token)} in {context}")

    def expect(self, kind: str, context: str) -> Token:
        token = self.next_non_space()
        if token.kind != kind:
            raise self.unexpected(token, context)
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_parse_depth:
            raise TemplateBoundError(
                f"template nesting deeper than {self.limits.max_parse_depth} "
                "(bound: template parse depth)"
            )

    # -- structure --------------------------------------------------------------------------

    def parse(self) -> Tree:
        root: list[Node] = []
        while self.peek().kind != "eof":
            if self.peek().kind == "left":
                self.next()
                token = self.next_non_space()
                if token.kind == "keyword" and token.value == "define":
                    self.definition()
                    continue
                while self.tokens[self.index - 1].kind != "left":
                    self.backup()
                self.backup()
            node = self.text_or_action()
            if isinstance(node, _End):
                self.error("unexpected {{end}}")
            if isinstance(node, _Else):
                self.error("unexpected {{else}}")
            if not isinstance(node, _End | _Else):
                root.append(node)
        self.add("", root, main=True)
        return Tree(self.text, self.templates)

    def add(self, name: str, body: list[Node], main: bool = False) -> None:
        existing = self.templates.get(name)
        if existing is None or _is_empty(existing):
            self.templates[name] = body
        elif not _is_empty(body):
            self.error(f"template: multiple definition of template {_go_quote(name)}")

    def definition(self) -> None:
        token = self.next_non_space()
        if token.kind not in ("string", "rawstring"):
            raise self.unexpected(token, "define clause")
        name = self.unquote(token.value)
        self.expect("right", "define clause")
        saved_vars, self.vars = self.vars, ["$"]
        body, end = self.item_list()
        self.vars = saved_vars
        if not isinstance(end, _End):
            self.error("unexpected {{else}} in define clause")
        self.add(name, body)

    def item_list(self) -> tuple[list[Node], _End | _Else]:
        body: list[Node] = []
        while self.peek_non_space().kind != "eof":
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                return body, node
            body.append(node)
        self.error("unexpected EOF")
        raise AssertionError  # pragma: no cover

    def text_or_action(self) -> Node | _End | _Else:
        token = self.next_non_space()
        if token.kind == "text":
            return Text(token.pos, token.value)
        if token.kind == "left":
            return self.action()
        raise self.unexpected(token, "input")

    def action(self) -> Node | _End | _Else:
        token = self.next_non_space()
        if token.kind == "keyword":
            keyword = token.value
            if keyword == "block":
                return self.block()
            if keyword in ("break", "continue"):
                return self.loop_control(token)
            if keyword == "else":
                return self.else_control()
            if keyword == "end":
                return _End(self.expect("right", "end").pos)
            if keyword in ("if", "with", "range"):
                return self.control(keyword, token.pos)
            if keyword == "template":
                return self.template_call()
        self.backup()
        pos = self.peek().pos
        return Action(pos, self.pipeline("command", "right"))

    def loop_control(self, token: Token) -> Node:
        following = self.next_non_space()
        if following.kind != "right":
            raise self.unexpected(following, "{{" + token.value + "}}")
        if self.range_depth == 0:
            self.error("{{" + token.value + "}} outside {{range}}")
        return Break(token.pos) if token.value == "break" else Continue(token.pos)

    def else_control(self) -> _Else:
        peek = self.peek_non_space()
        if peek.kind == "keyword" and peek.value in ("if", "with"):
            return _Else(peek.pos)
        return _Else(self.expect("right", "else").pos)

    def control(self, context: str, pos: int) -> Branch:
        self.enter()
        mark = len(self.vars)
        pipe = self.pipeline(context, "right")
        if context == "range":
            self.range_depth += 1
        body, following = self.item_list()
        if context == "range":
            self.range_depth -= 1
        else_body: list[Node] | None = None
        if isinstance(following, _Else):
            peek = self.peek()
            if context in ("if", "with") and peek.kind == "keyword" and peek.value == context:
                self.next()
                else_body = [self.control(context, peek.pos)]
            else:
                else_body, following = self.item_list()
                if not isinstance(following, _End):
                    self.error("expected end; found {{else}}")
        del self.vars[mark:]
        self.depth -= 1
        return Branch(context, pos, pipe, body, else_body)

    def template_call(self) -> TemplateCall:
        token = self.next_non_space()
        name = self.template_name(token, "template clause")
        pipe = None
        if self.next_non_space().kind != "right":
            self.backup()
            pipe = self.pipeline("template clause", "right")
        return TemplateCall(token.pos, name, pipe)

    def template_name(self, token: Token, context: str) -> str:
        if token.kind not in ("string", "rawstring"):
            raise self.unexpected(token, context)
        return self.unquote(token.value)

    def block(self) -> TemplateCall:
        token = self.next_non_space()
        name = self.template_name(token, "block clause")
        pipe = self.pipeline("block clause", "right")
        saved_vars, saved_range = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        self.enter()
        body, end = self.item_list()
        self.depth -= 1
        self.vars, self.range_depth = saved_vars, saved_range
        if not isinstance(end, _End):
            self.error("unexpected {{else}} in block clause")
        self.add(name, body)
        return TemplateCall(token.pos, name, pipe)

    # -- pipelines --------------------------------------------------------------------------

    def pipeline(self, context: str, end: str) -> Pipe:
        self.enter()
        pipe = Pipe(self.peek_non_space().pos)
        self.declarations(pipe, context)
        while True:
            token = self.next_non_space()
            if token.kind == end:
                self.check_pipeline(pipe, context)
                self.depth -= 1
                return pipe
            if token.kind in _OPERAND_STARTS:
                self.backup()
                pipe.cmds.append(self.command())
            else:
                raise self.unexpected(token, context)

    def declarations(self, pipe: Pipe, context: str) -> None:
        while True:
            variable = self.peek_non_space()
            if variable.kind != "var":
                return
            self.next()
            following = self.peek_non_space()
            if following.kind in ("assign", "declare"):
                pipe.is_assign = following.kind == "assign"
                self.next_non_space()
                pipe.decl.append(variable.value)
                self.vars.append(variable.value)
                return
            if following.kind == "comma":
                self.next_non_space()
                pipe.decl.append(variable.value)
                self.vars.append(variable.value)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().kind in ("var", "right", "rparen"):
                        continue
                    self.error("range can only initialize variables")
                self.error(f"too many declarations in {context}")
            # Not a declaration: put the variable (and the space after it) back.
            while self.tokens[self.index - 1] is not variable:
                self.backup()
            self.backup()
            return

    def check_pipeline(self, pipe: Pipe, context: str) -> None:
        if not pipe.cmds:
            self.error(f"missing value for {context}")
        for stage, cmd in enumerate(pipe.cmds[1:], start=2):
            if isinstance(cmd.args[0], Bool | Dot | Nil | Number | String):
                self.error(f"non executable command in pipeline stage {stage}")

    def command(self) -> Command:
        cmd = Command(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.kind == "space":
                continue
            if token.kind in ("right", "rparen"):
                self.backup()
            elif token.kind != "pipe":
                raise self.unexpected(token, "operand")
            break
        if not cmd.args:
            self.error("empty command")
        return cmd

    def operand(self) -> Arg | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().kind == "field":
            fields: list[str] = []
            pos = self.peek().pos
            while self.peek().kind == "field":
                fields.append(self.next().value[1:])
            if isinstance(node, Field):
                return Field(node.pos, node.idents + tuple(fields))
            if isinstance(node, Variable):
                return Variable(node.pos, node.idents + tuple(fields))
            if isinstance(node, Bool | String | Number | Nil | Dot):
                self.error(f"unexpected . after term {_go_quote(str(node))}")
            return Chain(pos, node, tuple(fields))
        return node

    def term(self) -> Arg | None:
        token = self.next_non_space()
        kind = token.kind
        if kind == "ident":
            refusal = self.known(token.value)
            if refusal is not None:
                self.error(refusal)
            return Identifier(token.pos, token.value)
        if kind == "dot":
            return Dot(token.pos)
        if kind == "nil":
            return Nil(token.pos)
        if kind == "var":
            if token.value not in self.vars:
                self.error(f"undefined variable {_go_quote(token.value)}")
            return Variable(token.pos, (token.value,))
        if kind == "field":
            return Field(token.pos, (token.value[1:],))
        if kind == "bool":
            return Bool(token.pos, token.value == "true")
        if kind in ("number", "char", "complex"):
            return self.number(token)
        if kind == "lparen":
            return self.pipeline("parenthesized pipeline", "rparen")
        if kind in ("string", "rawstring"):
            return String(token.pos, token.value, self.unquote(token.value))
        self.backup()
        return None

    def unquote(self, quoted: str) -> str:
        try:
            return go_unquote(quoted)
        except ValueError:
            self.error("invalid syntax")
            raise AssertionError from None  # pragma: no cover

    def number(self, token: Token) -> Number:
        text = token.value
        if token.kind == "complex" or text.endswith("i"):
            self.error(f"complex constants are not supported: {text}")
        if token.kind == "char":
            try:
                value = go_unquote(text)
            except ValueError:
                self.error(f"malformed character constant: {text}")
            if not value:
                self.error("invalid syntax")
            if len(value) != 1:
                self.error(f"malformed character constant: {text}")
            code = ord(value)
            return Number(token.pos, text, code, float(code), is_char=True)
        int_value = _parse_int(text)
        if int_value is not None and _INT64_MIN <= int_value <= (1 << 64) - 1:
            return Number(token.pos, text, int_value, float(int_value))
        try:
            float_value = float.fromhex(text) if _is_hex(text) else float(text)
        except (ValueError, OverflowError):
            self.error(f"illegal number syntax: {_go_quote(text)}")
        if not any(c in text for c in ".eEpP"):
            self.error(f"integer overflow: {_go_quote(text)}")
        exact = (
            int(float_value)
            if float_value == float_value
            and abs(float_value) != float("inf")
            and float_value == int(float_value)
            and _INT64_MIN <= int(float_value) <= _INT64_MAX
            else None
        )
        return Number(token.pos, text, exact, float_value)


_OPERAND_STARTS = frozenset(
    ("bool", "char", "complex", "dot", "field", "ident", "number", "nil", "rawstring", "string")
) | {"var", "lparen"}


def _is_hex(text: str) -> bool:
    return text.lstrip("+-")[:2].lower() == "0x"


def _parse_int(text: str) -> int | None:
    try:
        if _OCTAL.fullmatch(text) and text.lstrip("+-") not in ("0",):
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("+-")[1:].replace("_", "")
            return sign * int(digits or "0", 8)
        return int(text, 0)
    except ValueError:
        return None


def _describe(token: Token) -> str:
    """A token as Go's parse errors print it."""
    if token.kind == "eof":
        return "EOF"
    if token.kind == "keyword":
        return f"<{token.value}>"
    if len(token.value) > 10:
        return _go_quote(token.value[:10]) + "..."
    return _go_quote(token.value)


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_empty(body: list[Node]) -> bool:
    return all(isinstance(node, Text) and not node.text.strip() for node in body)


def parse(text: str, known: Callable[[str], str | None], limits: Limits, name: str = "") -> Tree:
    """Parse `text`; `known(name)` is None for a defined function, else the refusal."""
    if len(text) > limits.max_template_bytes:
        raise TemplateBoundError(
            f"template of {len(text)} characters exceeds {limits.max_template_bytes} "
            "(bound: template size)"
        )
    return _Parser(text, known, limits, name).parse()
