"""The list generator: `elements` (and `elementsYaml`), one param set per element."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.templating import Params
from gitsync.errors import ManifestError
from gitsync.render.parse import load_one


def generate_list(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    elements = spec.get("elements") or []
    if not isinstance(elements, list):
        raise FieldError(f"{field}.elements", "must be a list")
    results = [
        _element(element, ctx, f"{field}.elements[{i}]") for i, element in enumerate(elements)
    ]
    text = spec.get("elementsYaml")
    if text:
        if not isinstance(text, str):
            raise FieldError(f"{field}.elementsYaml", "must be a string of YAML")
        try:
            extra = load_one(text, ctx.limits)
        except (yaml.YAMLError, ManifestError) as err:
            raise FieldError(f"{field}.elementsYaml", f"invalid YAML: {_first_line(err)}") from None
        if extra is not None and not isinstance(extra, list):
            raise FieldError(f"{field}.elementsYaml", "must be a YAML list of mappings")
        results.extend(
            _element(item, ctx, f"{field}.elementsYaml[{i}]") for i, item in enumerate(extra or [])
        )
    return results


def _element(element: Any, ctx: Context, field: str) -> Params:
    if not isinstance(element, Mapping):
        raise FieldError(field, "must be a mapping")
    if ctx.go_template:
        return dict(element)
    params: Params = {}
    for key, value in element.items():
        if key == "values":
            if not isinstance(value, Mapping):
                raise FieldError(f"{field}.values", "must be a mapping")
            for name, item in value.items():
                params[f"values.{name}"] = _string(item, f"{field}.values.{name}")
        else:
            params[str(key)] = _string(value, f"{field}.{key}")
    return params


def _string(value: Any, field: str) -> str:
    # Argo CD's fasttemplate mode takes only strings here; say how to fix it.
    if not isinstance(value, str):
        raise FieldError(
            field, "must be a string in fasttemplate mode (quote it, or set goTemplate: true)"
        )
    return value


def _first_line(err: Exception) -> str:
    return " ".join(str(err).split())
