"""The functions Argo CD adds to Sprig's map for ApplicationSets."""

from __future__ import annotations

from typing import Any

from gitsync.gotemplate.errors import FuncError
from gitsync.gotemplate.funcbase import FuncMap, register
from gitsync.gotemplate.names import normalize_name, slugify
from gitsync.gotemplate.serialize import from_json, load_yaml, to_json, to_yaml
from gitsync.gotemplate.values import type_name

ARGOCD: FuncMap = {}

register(ARGOCD, "normalize", "string")(normalize_name)


@register(ARGOCD, "slugify", variadic="any")
def _slugify(*args: Any) -> str:
    """slugify [maxSize [smartTruncate]] NAME: the last argument is the name."""
    max_size, smart, name = 50, True, ""
    for index, arg in enumerate(args):
        if index == len(args) - 1:
            if not isinstance(arg, str):
                raise FuncError(
                    f"interface conversion: interface {{}} is {type_name(arg)}, not string"
                )
            name = arg
        elif index == 0:
            if type(arg) is not int:
                raise FuncError(
                    f"interface conversion: interface {{}} is {type_name(arg)}, not int"
                )
            max_size = arg
        elif index == 1:
            if not isinstance(arg, bool):
                raise FuncError(
                    f"interface conversion: interface {{}} is {type_name(arg)}, not bool"
                )
            smart = arg
    return slugify(name, max_size=max_size, smart_truncate=smart)


register(ARGOCD, "toYaml", "any")(to_yaml)


@register(ARGOCD, "fromYaml", "string")
def _from_yaml(text: str) -> dict[str, Any]:
    loaded = load_yaml(text, "fromYaml")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise FuncError(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{_json_kind(loaded)} into Go value of type map[string]interface {{}}"
        )
    return loaded


@register(ARGOCD, "fromYamlArray", "string")
def _from_yaml_array(text: str) -> list[Any]:
    loaded = load_yaml(text, "fromYamlArray")
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        raise FuncError(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{_json_kind(loaded)} into Go value of type []interface {{}}"
        )
    return loaded


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


# Sprig's JSON functions (kept here with the YAML ones: one serialization module).
register(ARGOCD, "toJson", "any")(lambda value: _quiet(lambda: to_json(value)))
register(ARGOCD, "mustToJson", "any")(to_json)
register(ARGOCD, "toRawJson", "any")(lambda value: _quiet(lambda: to_json(value, False)))
register(ARGOCD, "mustToRawJson", "any")(lambda value: to_json(value, False))
register(ARGOCD, "toPrettyJson", "any")(lambda value: _quiet(lambda: to_json(value, True, "  ")))
register(ARGOCD, "mustToPrettyJson", "any")(lambda value: to_json(value, True, "  "))
register(ARGOCD, "fromJson", "string")(lambda text: _quiet(lambda: from_json(text), None))
register(ARGOCD, "mustFromJson", "string")(from_json)


def _quiet(produce: Any, fallback: Any = "") -> Any:
    """Sprig's non-``must`` variants swallow the error and return the zero value."""
    try:
        return produce()
    except FuncError:
        return fallback
