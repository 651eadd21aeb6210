"""How Go's text/template turns an argument into a parameter of a function: constants
must fit the parameter's type, values must have exactly that type (an ``int64`` is not
an ``int``), a missing value is nil for ``interface {}`` and an error otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.gotemplate.errors import TemplateExecError
from gitsync.gotemplate.funcbase import GO_TYPE_NAMES
from gitsync.gotemplate.nodes import Arg, Bool, Number, String
from gitsync.gotemplate.values import MISSING, Int64, StringList, StringMap, Uint8, type_name

_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


class ArgumentRules:
    """The argument checks of the executor; `error` reports at a node."""

    def error(self, node: Any, message: str) -> TemplateExecError:
        raise NotImplementedError

    def ideal_constant(self, number: Number) -> Any:
        text = number.text
        is_hex_int = text.lstrip("+-")[:2].lower() == "0x" and "p" not in text.lower()
        if (
            number.float_value is not None
            and not is_hex_int
            and not number.is_char
            and any(c in text for c in ".eEpP")
        ):
            return number.float_value
        if number.int_value is not None:
            if not _INT_MIN <= number.int_value <= _INT_MAX:
                raise self.error(number, f"{text} overflows int")
            return number.int_value
        return MISSING

    def constant(self, node: Arg, typ: str | None) -> Any:
        if typ in (None, "any", "value"):
            if isinstance(node, Bool):
                return node.value
            if isinstance(node, Number):
                return self.ideal_constant(node)
            if isinstance(node, String):
                return node.text
        elif typ == "bool":
            if isinstance(node, Bool):
                return node.value
            raise self.error(node, f"expected bool; found {node}")
        elif typ in ("int", "int64"):
            if isinstance(node, Number) and node.int_value is not None:
                if not _INT_MIN <= node.int_value <= _INT_MAX:
                    raise self.error(node, f"{node.text} overflows {typ}")
                return Int64(node.int_value) if typ == "int64" else node.int_value
            raise self.error(node, f"expected integer; found {node}")
        elif typ == "float64":
            if isinstance(node, Number) and node.float_value is not None:
                return node.float_value
            raise self.error(node, f"expected float; found {node}")
        elif typ == "string":
            if isinstance(node, String):
                return node.text
            raise self.error(node, f"expected string; found {node}")
        raise self.error(node, f"can't handle {node} for arg of type {GO_TYPE_NAMES[typ or 'any']}")

    def validate(self, value: Any, typ: str | None, node: Any) -> Any:
        if typ is None or typ == "value":
            return value
        if value is MISSING or value is None:
            if typ in ("any", "map", "list"):
                return None
            raise self.error(node, f"invalid value; expected {GO_TYPE_NAMES[typ]}")
        if typ == "any" or _assignable(value, typ):
            return value
        raise self.error(
            node,
            f"wrong type for value; expected {GO_TYPE_NAMES[typ]}; got {type_name(value)}",
        )


def _assignable(value: Any, typ: str) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "bool":
        return isinstance(value, bool)
    if typ == "int":
        return type(value) is int
    if typ == "int64":
        return isinstance(value, Int64)
    if typ == "float64":
        return isinstance(value, float)
    if typ == "map":
        return isinstance(value, Mapping) and not isinstance(value, StringMap)
    if typ == "list":
        return isinstance(value, list) and not isinstance(value, StringList)
    if typ == "time":
        return type_name(value) == "time.Time"
    return not isinstance(value, Uint8)
