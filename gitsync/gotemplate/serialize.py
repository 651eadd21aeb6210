"""JSON and YAML as Go's encoding/json and sigs.k8s.io/yaml write and read them."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import yaml

from gitsync.gotemplate.convert import check_chars, check_tree
from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.values import MISSING, GoObject, format_float, sorted_keys

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_string(text: str, escape_html: bool) -> str:
    out = ['"']
    for char in text:
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif escape_html and char in _HTML:
            out.append(_HTML[char])
        elif ord(char) < 0x20 or char in "\u2028\u2029":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def json_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        raise FuncError(f"json: unsupported value: {format_float(value)}")
    text = format_float(value, verb="json")
    if "e-0" in text:
        text = text.replace("e-0", "e-")
    return text


def to_json(
    value: Any, escape_html: bool = True, indent: str | None = None, function: str = "toJson"
) -> str:
    """json.Marshal (or MarshalIndent): sorted keys, no spaces, HTML-safe by default."""
    check_tree(value, function)
    out: list[str] = []
    size = [0]

    def emit(text: str) -> None:
        size[0] += len(text)
        check_chars(size[0], function)
        out.append(text)

    def encode(item: Any, depth: int) -> None:
        newline = "\n" + indent * (depth + 1) if indent is not None else ""
        closing = "\n" + indent * depth if indent is not None else ""
        if item is None or item is MISSING:
            emit("null")
        elif isinstance(item, bool):
            emit("true" if item else "false")
        elif isinstance(item, int):
            emit(str(int(item)))
        elif isinstance(item, float):
            emit(json_float(item))
        elif isinstance(item, str):
            emit(json_string(item, escape_html))
        elif isinstance(item, list | tuple):
            if not item:
                emit("[]")
                return
            emit("[")
            for index, element in enumerate(item):
                emit(("," if index else "") + newline)
                encode(element, depth + 1)
            emit(closing + "]")
        elif isinstance(item, Mapping):
            if not item:
                emit("{}")
                return
            emit("{")
            for index, key in enumerate(sorted_keys(item)):
                emit(("," if index else "") + newline)
                emit(json_string(str(key), escape_html) + (": " if indent is not None else ":"))
                encode(item[key], depth + 1)
            emit(closing + "}")
        elif isinstance(item, GoObject):
            emit(json_string(item.go_string(), escape_html))
        else:
            raise FuncError(f"json: unsupported type: {type(item).__name__}")

    encode(value, 0)
    return "".join(out)


def _float_numbers(value: Any) -> Any:
    """JSON decoding into interface{}: every number is a float64."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [_float_numbers(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _float_numbers(item) for key, item in value.items()}
    return value


def from_json(text: str) -> Any:
    try:
        loaded = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        raise FuncError(str(err).split("\n")[0]) from None
    return _float_numbers(check_tree(loaded, "fromJson"))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def load_yaml(text: str, function: str) -> Any:
    """sigs.k8s.io/yaml.Unmarshal: YAML read as JSON would read it (numbers float64)."""
    try:
        loaded = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        raise FuncError(f"error converting YAML to JSON: {' '.join(str(err).split())}") from None
    except RecursionError:
        raise FuncError("error converting YAML to JSON: nested too deeply") from None
    return _float_numbers(_jsonable(check_tree(loaded, function)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)  # dates and other YAML 1.1 types read as their text


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        return format_float(key)
    return str(key)


class _GoYamlDumper(yaml.SafeDumper):
    """Quotes like go-yaml v2: a string YAML would read as another type is double-quoted,
    a multi-line string is a literal block."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    resolved = dumper.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    if resolved != "tag:yaml.org,2002:str" or text.lower() in ("y", "n", "yes", "no", "on", "off"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    # The value went through JSON first (sigs.k8s.io/yaml): a whole number is read back
    # as an integer, anything else is a float go-yaml writes with strconv's 'g' format.
    if value.is_integer() and abs(value) < 1e21:
        return dumper.represent_int(int(value))
    text = format_float(value)
    text = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)
    # Written plain either way; a form YAML 1.1 would not read as a float ("1e-05")
    # must not get an explicit tag, which go-yaml does not write.
    tag = dumper.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return dumper.represent_scalar(tag, text)


_GoYamlDumper.add_representer(str, _represent_str)
_GoYamlDumper.add_representer(float, _represent_float)
_GoYamlDumper.add_multi_representer(list, lambda d, v: d.represent_list(list(v)))
_GoYamlDumper.add_multi_representer(dict, lambda d, v: d.represent_dict(dict(v)))
_GoYamlDumper.add_multi_representer(int, lambda d, v: d.represent_int(int(v)))
_GoYamlDumper.add_multi_representer(GoObject, lambda d, v: _represent_str(d, v.go_string()))


def to_yaml(value: Any) -> str:
    """sigs.k8s.io/yaml.Marshal, without the final newline (Argo CD's toYaml)."""
    if value is MISSING:
        value = None
    check_chars(len(to_json(value, function="toYaml")), "toYaml")
    text = yaml.dump(
        value,
        Dumper=_GoYamlDumper,
        default_flow_style=False,
        sort_keys=True,
        allow_unicode=True,
        width=80,
    )
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text.removesuffix("\n")
