"""Translate the common subset of Go text/template into Jinja2 source.

Supported: ``{{ .a.b }}``, ``{{ $ }}``/``{{ $x.y }}`` variables, bare ``{{ a.b }}``
references, string/number/bool/nil literals, function calls ``{{ index .p.segments 1 }}``,
pipes ``{{ .x | lower | trunc 5 }}`` (the piped value is the last argument, as in Go),
parentheses, ``{{ $v := ... }}``, ``if / else if / else / end``, ``range`` (with or without
``$i, $v :=``), ``with``, comments and the ``{{-``/``-}}`` trim markers. Anything else is an
error. The output never contains user text as Jinja syntax: literal text and constants go
through lookup tables, references become ``[...]`` item lookups, and functions are a fixed
allow-list, so the sandboxed Jinja environment only ever evaluates what this module emits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gitsync.appset.gofuncs import FUNCTIONS

ROOT = "_p"
TEXTS = "_t"
CONSTS = "_c"
FUNC_PREFIX = "_f_"
VAR_PREFIX = "_v_"

_PRIVATE = re.compile(r"(^|[^A-Za-z0-9])_[A-Za-z0-9_]*|__")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\]|\\.)*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<comma>,)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\)(?:\.[A-Za-z0-9_]+)*)
  | (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
  | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<ident>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    """,
    re.VERBOSE,
)


class TranslateError(ValueError):
    """The template uses Go syntax outside the supported subset, or a private name."""


@dataclass
class Translation:
    source: str
    texts: list[str] = field(default_factory=list)
    consts: list[Any] = field(default_factory=list)


@dataclass
class _Block:
    kind: str  # if, range, with
    dot: str  # what `.` means inside the block


@dataclass
class _State:
    out: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    consts: list[Any] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    counter: int = 0

    @property
    def dot(self) -> str:
        return self.blocks[-1].dot if self.blocks else ROOT


def translate(template: str) -> Translation:
    state = _State()
    for kind, text in _split(template):
        if kind == "text":
            if text:
                state.texts.append(text)
                state.out.append(f"{{{{ {TEXTS}[{len(state.texts) - 1}] }}}}")
        else:
            _action(text, state)
    if state.blocks:
        raise TranslateError(f"unclosed {{{{ {state.blocks[-1].kind} }}}}: missing {{{{ end }}}}")
    return Translation("".join(state.out), state.texts, state.consts)


def _split(template: str) -> list[tuple[str, str]]:
    """Text and action pieces, with the trim markers applied to neighbouring text."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    while True:
        start = template.find("{{", pos)
        text = template[pos:] if start < 0 else template[pos:start]
        if trim_next:
            text = text.lstrip()
        if start < 0:
            pieces.append(("text", text))
            return pieces
        body_start = start + 2
        if template.startswith("- ", body_start) or template[body_start : body_start + 2] in (
            "-\n",
            "-\t",
        ):
            text = text.rstrip()
            body_start += 1
        pieces.append(("text", text))
        end = _find_close(template, body_start)
        body = template[body_start:end]
        trim_next = False
        if len(body) >= 2 and body.endswith("-") and body[-2].isspace():
            body = body[:-1]
            trim_next = True
        pieces.append(("action", body.strip()))
        pos = end + 2


def _find_close(template: str, pos: int) -> int:
    quote = ""
    i = pos
    while i < len(template):
        char = template[i]
        if quote:
            if char == "\\" and quote != "`":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"`'":
            quote = char
        elif template.startswith("}}", i):
            return i
        i += 1
    raise TranslateError("unclosed action: '{{' without '}}'")


def _action(body: str, state: _State) -> None:
    if body.startswith("/*"):
        if not body.endswith("*/"):
            raise TranslateError("unclosed comment")
        return
    if _PRIVATE.search(_strip_strings(body)):
        raise TranslateError("refused: names starting with '_' (such as __class__) are not allowed")
    tokens = _tokens(body)
    if not tokens:
        raise TranslateError("empty action {{ }}")
    head = tokens[0]
    if head == ("ident", "if"):
        state.blocks.append(_Block("if", state.dot))
        state.out.append(f"{{% if {_pipeline(tokens[1:], state)} %}}")
    elif head == ("ident", "else"):
        if not state.blocks or state.blocks[-1].kind != "if":
            raise TranslateError("{{ else }} outside {{ if }}")
        if len(tokens) > 1 and tokens[1] == ("ident", "if"):
            state.out.append(f"{{% elif {_pipeline(tokens[2:], state)} %}}")
        elif len(tokens) == 1:
            state.out.append("{% else %}")
        else:
            raise TranslateError(f"unsupported {{{{ {body} }}}}")
    elif head == ("ident", "end"):
        if not state.blocks:
            raise TranslateError("{{ end }} without a block to end")
        block = state.blocks.pop()
        state.out.append({"if": "{% endif %}", "range": "{% endfor %}"}.get(block.kind, ""))
        if block.kind == "with":
            state.out.append("{% endif %}{% endwith %}")
    elif head == ("ident", "range"):
        _range(tokens[1:], state)
    elif head == ("ident", "with"):
        state.counter += 1
        name = f"_d{state.counter}"
        expr = _pipeline(tokens[1:], state)
        state.blocks.append(_Block("with", name))
        state.out.append(f"{{% with {name} = {expr} %}}{{% if {name} %}}")
    elif head[1] in ("template", "define", "block", "break", "continue") and head[0] == "ident":
        raise TranslateError(f"{{{{ {head[1]} }}}} is not supported")
    elif len(tokens) >= 2 and head[0] == "var" and tokens[1][0] in ("declare", "assign"):
        state.out.append(f"{{% set {_var_name(head[1])} = {_pipeline(tokens[2:], state)} %}}")
    else:
        state.out.append(f"{{{{ {_pipeline(tokens, state)} }}}}")


def _range(tokens: list[tuple[str, str]], state: _State) -> None:
    names: list[str] = []
    if any(kind == "declare" for kind, _ in tokens):
        split = next(i for i, (kind, _) in enumerate(tokens) if kind == "declare")
        names = [_var_name(v) for kind, v in tokens[:split] if kind == "var"]
        if not names or len(names) > 2:
            raise TranslateError("range takes one or two variables: {{ range $i, $v := ... }}")
        tokens = tokens[split + 1 :]
    expr = _pipeline(tokens, state)
    state.counter += 1
    dot = f"_d{state.counter}"
    index = names[0] if len(names) == 2 else f"_i{state.counter}"
    value = names[-1] if names else dot
    loop = f"{{% for {index}, {value} in {FUNC_PREFIX}items({expr}) %}}"
    if names:
        loop += f"{{% set {dot} = {value} %}}"
    state.blocks.append(_Block("range", dot))
    state.out.append(loop)


def _tokens(body: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        if match is None:
            raise TranslateError(f"unsupported syntax at {body[pos:]!r}")
        kind = match.lastgroup or ""
        if kind == "char":
            raise TranslateError("character literals ('x') are not supported: use \"x\"")
        if kind != "space":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def _pipeline(tokens: list[tuple[str, str]], state: _State) -> str:
    if not tokens:
        raise TranslateError("missing value in action")
    commands: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for token in tokens:
        if token[0] == "lparen":
            depth += 1
        elif token[0] == "rparen":
            depth -= 1
        if token[0] == "pipe" and depth == 0:
            commands.append([])
        else:
            commands[-1].append(token)
    expr = _command(commands[0], state, piped=None)
    for command in commands[1:]:
        expr = _command(command, state, piped=expr)
    return expr


def _command(tokens: list[tuple[str, str]], state: _State, piped: str | None) -> str:
    if not tokens:
        raise TranslateError("empty command in pipeline")
    operands = _operands(tokens, state)
    head_kind, head = tokens[0]
    is_function = head_kind == "ident" and head in FUNCTIONS
    if is_function:
        args = operands[1:] + ([piped] if piped is not None else [])
        return f"{FUNC_PREFIX}{head}({', '.join(args)})"
    if piped is not None:
        raise TranslateError(f"cannot pipe into {head!r}: not a function")
    if len(operands) != 1:
        raise TranslateError(f"{head!r} is not a known function")
    return operands[0]


def _operands(tokens: list[tuple[str, str]], state: _State) -> list[str]:
    result: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "lparen":
            depth, j = 1, i + 1
            while j < len(tokens) and depth:
                depth += {"lparen": 1, "rparen": -1}.get(tokens[j][0], 0)
                j += 1
            if depth:
                raise TranslateError("unbalanced '('")
            inner = _pipeline(tokens[i + 1 : j - 1], state)
            chain = tokens[j - 1][1][1:]  # fields after ')', e.g. (index .x 0).name
            result.append(_chain(f"({inner})", chain.split(".")[1:] if chain else []))
            i = j
            continue
        result.append(_operand(kind, text, state, first=i == 0))
        i += 1
    return result


def _operand(kind: str, text: str, state: _State, first: bool) -> str:
    if kind == "field":
        return state.dot if text == "." else _chain(state.dot, text.split(".")[1:])
    if kind == "var":
        name, *fields = text.split(".")
        base = ROOT if name == "$" else _var_name(name)
        return _chain(base, fields)
    if kind == "ident":
        if text in ("true", "false"):
            return "True" if text == "true" else "False"
        if text == "nil":
            return "None"
        if text in FUNCTIONS:
            if first:
                return text  # the command's function name, handled by the caller
            return f"{FUNC_PREFIX}{text}()"
        # A bare name (Jinja style, `{{ path.basename }}`): a parameter reference.
        return _chain(state.dot, text.split("."))
    if kind in ("string", "raw", "number"):
        return _const(_literal(kind, text), state)
    raise TranslateError(f"unexpected {text!r}")


def _literal(kind: str, text: str) -> Any:
    if kind == "raw":
        return text[1:-1]
    if kind == "number":
        return float(text) if any(c in text for c in ".eE") else int(text)
    try:
        return json.loads(text)
    except ValueError:
        raise TranslateError(f"invalid string literal {text}") from None


def _const(value: Any, state: _State) -> str:
    state.consts.append(value)
    return f"{CONSTS}[{len(state.consts) - 1}]"


def _chain(base: str, fields: list[str]) -> str:
    return base + "".join(f"[{json.dumps(f)}]" for f in fields if f)


def _var_name(text: str) -> str:
    name = text.lstrip("$")
    if not name:
        raise TranslateError("cannot assign to $")
    return f"{VAR_PREFIX}{name}"


def _strip_strings(body: str) -> str:
    """The action with string literals blanked (a '_' inside a string is fine...)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', body)
