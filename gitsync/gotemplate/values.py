"""Go's view of template data: types, truthiness and how ``{{ . }}`` prints a value.

Data is plain Python: str, bool, int (Go ``int``), float (``float64``), None (``nil``),
list (``[]interface {}``), dict (``map[string]interface {}``). Functions that return
other Go types use the subclasses below so that Go's type rules (``int64`` is not
``int``) and type names carry over. `MISSING` is Go's invalid value: a map key that is
not there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gitsync.gotemplate.limits import check_tree


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Int64(int):
    """A Go int64 (what Sprig's arithmetic returns)."""

    __slots__ = ()


class Uint8(int):
    """A Go byte (indexing a string)."""

    __slots__ = ()


class StringList(list):  # type: ignore[type-arg]
    """A Go []string."""

    __slots__ = ()


class StringMap(dict):  # type: ignore[type-arg]
    """A Go map[string]string."""

    __slots__ = ()


class GoObject:
    """A Go value with methods a template may call as fields (``.Major``)."""

    go_type = "struct {}"

    def go_field(self, name: str) -> Any:
        raise KeyError(name)

    def go_string(self) -> str:
        return self.go_type


def type_name(value: Any) -> str:
    """Go's name of the value's type, as ``%T`` prints it."""
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Int64):
        return "int64"
    if isinstance(value, Uint8):
        return "uint8"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, StringList):
        return "[]string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, StringMap):
        return "map[string]string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, bytes):
        return "[]uint8"
    if isinstance(value, GoObject):
        return value.go_type
    return "interface {}"


def kind_name(value: Any) -> str:
    """Go's reflect.Kind name of the value."""
    if value is None or value is MISSING:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Int64):
        return "int64"
    if isinstance(value, Uint8):
        return "uint8"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple | bytes):
        return "slice"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, GoObject):
        return "ptr" if value.go_type.startswith("*") else "struct"
    return "interface"


def is_true(value: Any) -> bool:
    """Go's truth: false, 0, nil, a missing value and empty strings/lists/maps are false."""
    if value is None or value is MISSING:
        return False
    if isinstance(value, bool | int | float | str | list | tuple | dict | bytes):
        return bool(value)
    if isinstance(value, Mapping):
        return len(value) > 0
    return True


def format_float(value: float, verb: str = "g", upper: bool = False) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64): the shortest exact digits, as ``%v``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    digits_tuple, exponent = _shortest(abs(value))
    digits = "".join(str(d) for d in digits_tuple)
    point = len(digits) + exponent  # digits before the decimal point
    exp10 = point - 1
    if verb == "json":  # encoding/json: exponent form below 1e-6 and from 1e21 on
        use_exponent = abs(value) < 1e-6 or abs(value) >= 1e21
    else:
        use_exponent = exp10 < -4 or exp10 >= 6
    if use_exponent:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        e = "E" if upper else "e"
        return f"{sign}{mantissa}{e}{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _shortest(value: float) -> tuple[tuple[int, ...], int]:
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    del sign
    assert isinstance(exponent, int)
    return tuple(digits), exponent


def format_value(value: Any) -> str:
    """fmt's ``%v`` of a value (nil is ``<nil>``); a value too large to print is a
    TemplateBoundError."""
    if isinstance(value, Mapping | list | tuple):
        check_tree(value, "print")
    return _format_value(value)


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(_format_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = " ".join(
            f"{_format_value(key)}:{_format_value(value[key])}" for key in sorted_keys(value)
        )
        return f"map[{items}]"
    if isinstance(value, bytes):
        return "[" + " ".join(str(b) for b in value) + "]"
    if isinstance(value, GoObject):
        return value.go_string()
    return str(value)


def sorted_keys(mapping: Mapping[Any, Any]) -> list[Any]:
    """Map keys in the order Go prints and ranges them (byte order for strings)."""
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=lambda key: (type(key).__name__, str(key)))


def print_value(value: Any) -> str:
    """How an action ``{{ pipeline }}`` prints its value: nil and missing are
    ``<no value>``."""
    if value is None or value is MISSING:
        return "<no value>"
    return format_value(value)
