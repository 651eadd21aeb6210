"""Sprig's conversion and math functions (int64 arithmetic wraps as Go's does)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from gitsync.gotemplate.convert import check_items, to_float64, to_int64, wrap64
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, register
from gitsync.gotemplate.values import Int64, format_value

NUMBERS: FuncMap = {}


@register(NUMBERS, "atoi", "string")
def _atoi(text: str) -> int:
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return 0
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else 0


register(NUMBERS, "int64", "any")(lambda value: Int64(to_int64(value)))
register(NUMBERS, "int", "any")(to_int64)
register(NUMBERS, "float64", "any")(to_float64)


@register(NUMBERS, "toDecimal", "any")
def _to_decimal(value: Any) -> Int64:
    text = value if isinstance(value, str) else format_value(value)
    try:
        return Int64(int(text, 8))
    except ValueError:
        return Int64(0)


def untilstep(start: int, stop: int, step: int) -> list[int]:
    if stop < start:
        if step >= 0:
            return []
    elif step <= 0:
        return []
    count = max(0, -(-(stop - start) // step)) if step else 0
    check_items(count, "until")
    return list(range(start, stop, step))


register(NUMBERS, "until", "int")(lambda count: untilstep(0, count, 1 if count >= 0 else -1))
register(NUMBERS, "untilStep", "int", "int", "int")(untilstep)


@register(NUMBERS, "seq", variadic="int")
def _seq(*params: int) -> str:
    if len(params) == 1:
        start, end = 1, params[0]
        step = -1 if end < start else 1
        values = untilstep(start, end + step, step)
    elif len(params) == 2:
        start, end = params
        step = -1 if end < start else 1
        values = untilstep(start, end + step, step)
    elif len(params) == 3:
        start, step, end = params
        increment = 1
        if end < start:
            increment = -1
            if step > 0:
                return ""
        values = untilstep(start, end + increment, step)
    else:
        return ""
    return " ".join(str(v) for v in values)


register(NUMBERS, "add1", "any")(lambda value: Int64(wrap64(to_int64(value) + 1)))
register(NUMBERS, "add", variadic="any")(
    lambda *values: Int64(wrap64(sum(to_int64(v) for v in values)))
)
register(NUMBERS, "sub", "any", "any")(lambda a, b: Int64(wrap64(to_int64(a) - to_int64(b))))


def _int_divide(a: Any, b: Any, remainder: bool) -> Int64:
    left, right = to_int64(a), to_int64(b)
    if right == 0:
        raise FuncError("runtime error: integer divide by zero")
    quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
    if remainder:
        return Int64(left - quotient * right)
    return Int64(wrap64(quotient))


register(NUMBERS, "div", "any", "any")(lambda a, b: _int_divide(a, b, False))
register(NUMBERS, "mod", "any", "any")(lambda a, b: _int_divide(a, b, True))


@register(NUMBERS, "mul", "any", variadic="any")
def _mul(first: Any, *values: Any) -> Int64:
    result = to_int64(first)
    for value in values:
        result = wrap64(result * to_int64(value))
    return Int64(result)


@register(NUMBERS, "randInt", "int", "int")
def _rand_int(low: int, high: int) -> int:
    import random

    if high - low <= 0:
        raise FuncError("invalid argument to Intn")
    return random.SystemRandom().randrange(low, high)


def _decimal(value: Any) -> Decimal:
    number = to_float64(value)
    if math.isnan(number) or math.isinf(number):
        raise FuncError(f"Cannot create a Decimal from {format_value(number)}")
    return Decimal(repr(number))


def _decimal_op(first: Any, rest: tuple[Any, ...], op: str) -> float:
    result = _decimal(first)
    for value in rest:
        other = _decimal(value)
        if op == "+":
            result += other
        elif op == "-":
            result -= other
        elif op == "*":
            result *= other
        else:
            if other == 0:
                raise FuncError("decimal division by 0")
            try:
                result = (result / other).quantize(Decimal(1).scaleb(-16), ROUND_HALF_UP)
            except InvalidOperation as err:
                raise FuncError(str(err)) from None
    return float(result)


register(NUMBERS, "add1f", "any")(lambda value: _decimal_op(value, (1,), "+"))
register(NUMBERS, "addf", variadic="any")(lambda *values: _decimal_op(0.0, values, "+"))
register(NUMBERS, "subf", "any", variadic="any")(lambda a, *rest: _decimal_op(a, rest, "-"))
register(NUMBERS, "mulf", "any", variadic="any")(lambda a, *rest: _decimal_op(a, rest, "*"))
register(NUMBERS, "divf", "any", variadic="any")(lambda a, *rest: _decimal_op(a, rest, "/"))


@register(NUMBERS, "max", "any", variadic="any")
def _max(first: Any, *values: Any) -> Int64:
    return Int64(max([to_int64(first), *(to_int64(v) for v in values)]))


register(NUMBERS, "biggest", "any", variadic="any")(_max)


@register(NUMBERS, "min", "any", variadic="any")
def _min(first: Any, *values: Any) -> Int64:
    return Int64(min([to_int64(first), *(to_int64(v) for v in values)]))


def _go_max(values: list[float], pick_max: bool) -> float:
    result = values[0]
    for value in values[1:]:
        if math.isnan(value) or math.isnan(result):
            return math.nan
        result = max(result, value) if pick_max else min(result, value)
    return result


register(NUMBERS, "maxf", "any", variadic="any")(
    lambda a, *rest: _go_max([to_float64(a), *(to_float64(v) for v in rest)], True)
)
register(NUMBERS, "minf", "any", variadic="any")(
    lambda a, *rest: _go_max([to_float64(a), *(to_float64(v) for v in rest)], False)
)


def _floor(value: Any) -> float:
    number = to_float64(value)
    return number if math.isinf(number) or math.isnan(number) else float(math.floor(number))


def _ceil(value: Any) -> float:
    number = to_float64(value)
    return number if math.isinf(number) or math.isnan(number) else float(math.ceil(number))


register(NUMBERS, "floor", "any")(_floor)
register(NUMBERS, "ceil", "any")(_ceil)


@register(NUMBERS, "round", "any", "int", variadic="float64")
def _round(value: Any, places: int, *round_on: float) -> float:
    threshold = round_on[0] if round_on else 0.5
    number = to_float64(value)
    try:
        power = math.pow(10, places)
        digit = power * number
    except OverflowError:
        return math.inf
    if math.isinf(digit) or math.isnan(digit):
        return digit / power if power else math.nan
    fraction = math.modf(digit)[0]
    rounded = math.ceil(digit) if fraction >= threshold else math.floor(digit)
    return rounded / power
