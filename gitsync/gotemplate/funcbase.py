"""How a template function is declared: its Go parameter types drive argument checks.

Go's text/template converts and checks arguments by the function's Go signature: a
constant must fit the parameter (``expected integer; found "x"``), a value must have
the parameter's exact type (an ``int64`` is not an ``int``), a missing value is nil
for ``interface {}`` parameters and an error otherwise. `GoFunc.params` carries those
types: ``string int int64 float64 bool any value map list time``; ``value`` receives
the value untouched (missing included), as Go's builtins that take reflect.Value do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

GO_TYPE_NAMES = {
    "string": "string",
    "int": "int",
    "int64": "int64",
    "float64": "float64",
    "bool": "bool",
    "any": "interface {}",
    "value": "reflect.Value",
    "map": "map[string]interface {}",
    "list": "[]interface {}",
    "time": "time.Time",
}


@dataclass(frozen=True, slots=True)
class GoFunc:
    """A template function with Go's signature: its parameter kinds and variadic tail."""

    name: str
    impl: Callable[..., Any]
    params: tuple[str, ...]
    variadic: str | None = None

    @property
    def fixed(self) -> int:
        return len(self.params)


FuncMap = dict[str, GoFunc]


def register(
    table: FuncMap, name: str, *params: str, variadic: str | None = None
) -> Callable[[F], F]:
    """Decorator: add the function to `table` under `name` with its Go parameter types."""

    def add(impl: F) -> F:
        table[name] = GoFunc(name, impl, params, variadic)
        return impl

    return add


def alias(table: FuncMap, name: str, target: str) -> None:
    func = table[target]
    table[name] = GoFunc(name, func.impl, func.params, func.variadic)
