"""Go's fmt.Sprintf, Sprint and Sprintln for template values.

Verbs %v %s %d %q %x %X %o %O %b %c %U %t %f %F %e %E %g %G %T with the flags
``+ - # 0`` and space, widths, precisions and ``*``; wrong types print as Go does
(``%!d(string=x)``), as do missing and extra arguments. Go refuses widths and
precisions above 1e6 (``%!(NOVERB)``, ``%!(BADWIDTH)``), which keeps one verb bounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from gitsync.gotemplate.errors import TemplateBoundError
from gitsync.gotemplate.limits import CURRENT_LIMITS, check_tree
from gitsync.gotemplate.quoting import can_backquote, go_quote, go_quote_rune
from gitsync.gotemplate.values import (
    MISSING,
    GoObject,
    format_float,
    format_value,
    sorted_keys,
    type_name,
)

_TOO_LARGE = 1_000_000


@dataclass(frozen=True, slots=True)
class _Spec:
    plus: bool = False
    minus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    prec: int | None = None


def sprint(args: list[Any]) -> str:
    """fmt.Sprint: a space between operands when neither is a string."""
    check_tree(args, "print")
    out: list[str] = []
    for index, arg in enumerate(args):
        if index > 0 and not isinstance(arg, str) and not isinstance(args[index - 1], str):
            out.append(" ")
        out.append(format_value(arg))
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    check_tree(args, "println")
    return " ".join(format_value(arg) for arg in args) + "\n"


def sprintf(fmt: str, args: list[Any]) -> str:
    check_tree(args, "printf")
    limit = CURRENT_LIMITS.get().max_output_bytes
    out: list[str] = []
    size = 0
    argn = 0
    i = 0
    end = len(fmt)
    reordered = False
    while i < end:
        if size > limit:
            raise TemplateBoundError(
                f"printf: result of more than {limit} characters (bound: template output size)"
            )
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        spec = {"plus": False, "minus": False, "sharp": False, "space": False, "zero": False}
        while i < end and fmt[i] in "#0+- ":
            flag = fmt[i]
            if flag == "#":
                spec["sharp"] = True
            elif flag == "0":
                spec["zero"] = not spec["minus"]
            elif flag == "+":
                spec["plus"] = True
            elif flag == "-":
                spec["minus"] = True
                spec["zero"] = False
            else:
                spec["space"] = True
            i += 1
        i, argn, reordered = _arg_index(fmt, i, argn, len(args), reordered)
        width: int | None = None
        bad_width = False
        if i < end and fmt[i] == "*":
            i += 1
            width, argn, ok = _int_from_arg(args, argn)
            if not ok:
                bad_width = True
                width = None
            elif width is not None and width < 0:
                spec["minus"], spec["zero"] = True, False
                width = -width
        else:
            width, ok, i = _parse_num(fmt, i, end)
            if not ok:
                width = None
        prec: int | None = None
        bad_prec = False
        if i < end and fmt[i] == ".":
            i += 1
            i, argn, reordered = _arg_index(fmt, i, argn, len(args), reordered)
            if i < end and fmt[i] == "*":
                i += 1
                prec, argn, ok = _int_from_arg(args, argn)
                if prec is not None and prec < 0:
                    prec, ok = None, False
                if not ok:
                    bad_prec, prec = True, None
            else:
                prec, ok, i = _parse_num(fmt, i, end)
                if not ok:
                    prec = 0
        if bad_width:
            out.append("%!(BADWIDTH)")
        if bad_prec:
            out.append("%!(BADPREC)")
        i, argn, reordered = _arg_index(fmt, i, argn, len(args), reordered)
        if i >= end:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if argn >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argn]
        argn += 1
        piece = format_arg(arg, verb, _Spec(**spec, width=width, prec=prec))
        size += len(piece)
        out.append(piece)
    if not reordered and argn < len(args):
        extras = ", ".join(
            "<nil>" if a is None or a is MISSING else f"{type_name(a)}={format_value(a)}"
            for a in args[argn:]
        )
        out.append(f"%!(EXTRA {extras})")
    return "".join(out)


def _arg_index(fmt: str, i: int, argn: int, count: int, reordered: bool) -> tuple[int, int, bool]:
    if i >= len(fmt) or fmt[i] != "[":
        return i, argn, reordered
    close = fmt.find("]", i)
    if close < 0 or not fmt[i + 1 : close].isdigit():
        return i, argn, reordered
    index = int(fmt[i + 1 : close]) - 1
    if 0 <= index < count:
        return close + 1, index, True
    return close + 1, argn, True


def _parse_num(fmt: str, i: int, end: int) -> tuple[int | None, bool, int]:
    start = i
    num = 0
    while i < end and "0" <= fmt[i] <= "9":
        if num > _TOO_LARGE:
            return None, False, end  # Go gives up on the rest of the format
        num = num * 10 + int(fmt[i])
        i += 1
    return (num, True, i) if i > start else (None, False, i)


def _int_from_arg(args: list[Any], argn: int) -> tuple[int | None, int, bool]:
    if argn >= len(args):
        return None, argn, False
    value = args[argn]
    if isinstance(value, bool) or not isinstance(value, int):
        return None, argn + 1, False
    if abs(value) > _TOO_LARGE:
        return None, argn + 1, False
    return int(value), argn + 1, True


def _pad(text: str, spec: _Spec, zero_ok: bool = False) -> str:
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero and zero_ok:
        return "0" * fill + text
    return " " * fill + text


def _bad_verb(arg: Any, verb: str, spec: _Spec) -> str:
    if arg is None or arg is MISSING:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({type_name(arg)}={format_arg(arg, 'v', spec)})"


def format_arg(arg: Any, verb: str, spec: _Spec | None = None) -> str:
    spec = spec or _Spec()
    if verb == "T":
        return _pad(type_name(arg), spec)
    if arg is None or arg is MISSING:
        return _pad("<nil>", spec) if verb == "v" else _bad_verb(arg, verb, spec)
    if isinstance(arg, GoObject):
        if verb in "vsq":
            return format_arg(arg.go_string(), verb, spec)
        return _bad_verb(arg, verb, spec)
    if isinstance(arg, bool):
        if verb in "tv":
            return _pad("true" if arg else "false", spec)
        return _bad_verb(arg, verb, spec)
    if isinstance(arg, int):
        return _format_int(int(arg), arg, verb, spec)
    if isinstance(arg, float):
        return _format_float(arg, verb, spec)
    if isinstance(arg, str):
        return _format_string(arg, verb, spec)
    if isinstance(arg, list | tuple):
        check_tree(arg, "printf")
        return "[" + " ".join(_element(item, verb, spec) for item in arg) + "]"
    if isinstance(arg, Mapping):
        check_tree(arg, "printf")
        items = " ".join(
            f"{_element(key, verb, spec)}:{_element(arg[key], verb, spec)}"
            for key in sorted_keys(arg)
        )
        return f"map[{items}]"
    if isinstance(arg, bytes):
        return format_arg(arg.decode("utf-8", "replace"), verb, spec)
    return _pad(str(arg), spec)


def _element(item: Any, verb: str, spec: _Spec) -> str:
    if item is None:
        return "<nil>"
    return format_arg(item, verb, spec)


def _sign(negative: bool, spec: _Spec) -> str:
    if negative:
        return "-"
    if spec.plus:
        return "+"
    return " " if spec.space else ""


def _format_int(value: int, original: Any, verb: str, spec: _Spec) -> str:
    if verb == "c":
        return _pad(_rune(value), spec)
    if verb == "q":
        return _pad(go_quote_rune(value), spec)
    if verb == "U":
        text = f"U+{value:04X}" if value >= 0 else f"U+{value & 0xFFFFFFFFFFFFFFFF:04X}"
        if spec.sharp and 0 <= value <= 0x10FFFF:
            text += f" '{_rune(value)}'"
        return _pad(text, spec)
    bases = {"d": 10, "v": 10, "b": 2, "o": 8, "O": 8, "x": 16, "X": 16}
    if verb not in bases:
        if verb in "eEfFgG":
            return _bad_verb(original, verb, spec)
        return _bad_verb(original, verb, spec)
    base = bases[verb]
    digits = _digits(abs(value), base, upper=verb == "X")
    if spec.prec is not None:
        if spec.prec == 0 and value == 0:
            digits = ""
        digits = digits.rjust(spec.prec, "0")
    prefix = ""
    if verb == "O" or (spec.sharp and verb == "o" and not digits.startswith("0")):
        prefix = "0o" if verb == "O" else "0"
    elif spec.sharp and verb in "xX":
        prefix = "0x" if verb == "x" else "0X"
    elif spec.sharp and verb == "b":
        prefix = "0b"
    sign = _sign(value < 0, spec)
    body = prefix + digits
    if spec.zero and spec.width is not None and spec.prec is None and not spec.minus:
        body = body.rjust(spec.width - len(sign), "0")
        return sign + body
    return _pad(sign + body, spec)


def _digits(value: int, base: int, upper: bool) -> str:
    if base == 10:
        return str(value)
    text = {2: format(value, "b"), 8: format(value, "o"), 16: format(value, "x")}[base]
    return text.upper() if upper else text


def _rune(value: int) -> str:
    if 0 <= value <= 0x10FFFF and not 0xD800 <= value < 0xE000:
        return chr(value)
    return "\ufffd"


def _format_float(value: float, verb: str, spec: _Spec) -> str:
    if verb not in "vgGeEfF":
        return _bad_verb(value, verb, spec)
    if math.isnan(value) or math.isinf(value):
        text = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        if text == "+Inf" and not spec.plus:
            text = " Inf" if spec.space else "+Inf"
        if text == "NaN" and (spec.plus or spec.space):
            text = ("+" if spec.plus else " ") + text
        return _pad(text, replace(spec, zero=False))
    negative = value < 0 or (value == 0 and math.copysign(1.0, value) < 0)
    magnitude = abs(value)
    if verb in "fF":
        body = f"{magnitude:.{6 if spec.prec is None else spec.prec}f}"
    elif verb in "eE":
        body = f"{magnitude:.{6 if spec.prec is None else spec.prec}e}"
        body = body.upper() if verb == "E" else body
    elif spec.prec is None:
        body = format_float(magnitude, upper=verb == "G")
    else:
        body = f"{magnitude:.{max(spec.prec, 1)}{'G' if verb == 'G' else 'g'}}"
    if spec.sharp and "." not in body and verb not in "eE":
        body += "."
    sign = _sign(negative, spec)
    if spec.zero and spec.width is not None and not spec.minus:
        return sign + body.rjust(spec.width - len(sign), "0")
    return _pad(sign + body, spec)


def _format_string(value: str, verb: str, spec: _Spec) -> str:
    if verb in "vs":
        text = value if spec.prec is None else value[: spec.prec]
        return _pad(text, spec, zero_ok=True)
    if verb == "q":
        text = value if spec.prec is None else value[: spec.prec]
        if spec.sharp and can_backquote(text):
            return _pad(f"`{text}`", spec)
        return _pad(go_quote(text, ascii_only=spec.plus), spec)
    if verb in "xX":
        data = value.encode("utf-8")
        if spec.prec is not None:
            data = data[: spec.prec]
        digits = [f"{b:02x}" if verb == "x" else f"{b:02X}" for b in data]
        prefix = ("0x" if verb == "x" else "0X") if spec.sharp else ""
        if spec.space:
            return _pad(" ".join(prefix + d for d in digits), spec)
        return _pad(prefix + "".join(digits), spec)
    return _bad_verb(value, verb, spec)
