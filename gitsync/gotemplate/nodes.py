"""The parse tree of a Go template: nodes as Go's text/template/parse defines them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Text:
    """Literal text between actions."""

    pos: int
    text: str


@dataclass(slots=True)
class Dot:
    """The cursor ``.``."""

    pos: int

    def __str__(self) -> str:
        return "."


@dataclass(slots=True)
class Nil:
    """The untyped ``nil``."""

    pos: int

    def __str__(self) -> str:
        return "nil"


@dataclass(slots=True)
class Bool:
    """A ``true`` or ``false`` constant."""

    pos: int
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(slots=True)
class Number:
    """A numeric constant: Go's untyped constant, with each reading that fits."""

    pos: int
    text: str
    int_value: int | None = None
    float_value: float | None = None
    is_char: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class String:
    """A string constant, with its quoted form for messages."""

    pos: int
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(slots=True)
class Identifier:
    """A function name."""

    pos: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class Field:
    """A field chain on the cursor: ``.a.b``."""

    pos: int
    idents: tuple[str, ...]

    def __str__(self) -> str:
        return "".join(f".{ident}" for ident in self.idents)


@dataclass(slots=True)
class Variable:
    """A variable and its field chain: ``$x.a``."""

    pos: int
    idents: tuple[str, ...]  # the variable's name first, then its fields

    def __str__(self) -> str:
        return ".".join(self.idents)


@dataclass(slots=True)
class Chain:
    """Fields on a parenthesised value: ``(pipe).a.b``."""

    pos: int
    node: Arg
    fields: tuple[str, ...]

    def __str__(self) -> str:
        inner = f"({self.node})" if isinstance(self.node, Pipe) else str(self.node)
        return inner + "".join(f".{name}" for name in self.fields)


@dataclass(slots=True)
class Command:
    """One command of a pipeline: a function or value and its arguments."""

    pos: int
    args: list[Arg] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({arg})" if isinstance(arg, Pipe) else str(arg) for arg in self.args)


@dataclass(slots=True)
class Pipe:
    """A pipeline, with the variables it declares or assigns."""

    pos: int
    decl: list[str] = field(default_factory=list)
    is_assign: bool = False
    cmds: list[Command] = field(default_factory=list)

    def __str__(self) -> str:
        text = " | ".join(str(cmd) for cmd in self.cmds)
        if self.decl:
            return f"{', '.join(self.decl)} {'=' if self.is_assign else ':='} {text}"
        return text


Arg = Dot | Nil | Bool | Number | String | Identifier | Field | Variable | Chain | Pipe


@dataclass(slots=True)
class Action:
    """An action that prints its pipeline: ``{{pipe}}``."""

    pos: int
    pipe: Pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(slots=True)
class Branch:
    """``if``, ``with`` or ``range``: `kind` says which."""

    kind: str
    pos: int
    pipe: Pipe
    body: list[Node]
    else_body: list[Node] | None

    def __str__(self) -> str:
        return "{{" + f"{self.kind} {self.pipe}" + "}}"


@dataclass(slots=True)
class TemplateCall:
    """``{{template "name" pipe}}``."""

    pos: int
    name: str
    pipe: Pipe | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe else ""
        return "{{" + f"template {_quote(self.name)}{pipe}" + "}}"


@dataclass(slots=True)
class Break:
    """``{{break}}`` inside a range."""

    pos: int

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(slots=True)
class Continue:
    """``{{continue}}`` inside a range."""

    pos: int

    def __str__(self) -> str:
        return "{{continue}}"


Node = Text | Action | Branch | TemplateCall | Break | Continue


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
