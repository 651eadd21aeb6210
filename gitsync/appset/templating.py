"""Template substitution: apply generator parameters to every string of a structure (keys
too, as Argo CD does), in fasttemplate or goTemplate mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.appset.errors import FieldError
from gitsync.appset.fasttemplate import render_fast
from gitsync.appset.gotemplate import json_params, render_go

Params = dict[str, Any]


@dataclass(frozen=True)
class Templater:
    """One template mode: fasttemplate, or goTemplate with its goTemplateOptions
    (`strict` is ``missingkey=error``)."""

    go_template: bool = False
    strict: bool = False
    options: tuple[str, ...] = ()

    def string(self, text: str, params: Mapping[str, Any], field: str) -> str:
        if self.go_template:
            return render_go(text, params, field, strict=self.strict, options=self.options)
        return render_fast(text, params, field)

    def value(self, value: Any, params: Mapping[str, Any], field: str) -> Any:
        """A copy of `value` with every string (and mapping key) rendered."""
        if self.go_template:
            params = json_params(params)  # once for the whole structure
        return self._value(value, params, field)

    def _string(self, text: str, params: Mapping[str, Any], field: str) -> str:
        if self.go_template:
            return render_go(
                text, params, field, strict=self.strict, options=self.options, converted=True
            )
        return render_fast(text, params, field)

    def _value(self, value: Any, params: Mapping[str, Any], field: str) -> Any:
        if isinstance(value, str):
            return self._string(value, params, field)
        if isinstance(value, Mapping):
            rendered: dict[str, Any] = {}
            for key, item in value.items():
                child = f"{field}.{key}" if field else str(key)
                new_key = self._string(key, params, child) if isinstance(key, str) else key
                rendered[new_key] = self._value(item, params, child)
            return rendered
        if isinstance(value, list):
            return [self._value(item, params, f"{field}[{i}]") for i, item in enumerate(value)]
        return value


def append_values(values: Any, params: Params, templater: Templater, field: str) -> None:
    """Add a generator's `values` to `params`, each templated with the params so far.

    fasttemplate mode adds ``values.<key>``; goTemplate mode adds a ``values`` mapping.
    Values only see the generator's own params, never each other (no expansion loops).
    """
    if values is None:
        return
    if not isinstance(values, Mapping):
        raise FieldError(field, "must be a mapping of strings")
    rendered: dict[str, str] = {}
    for key, template in values.items():
        if not isinstance(template, str):
            raise FieldError(f"{field}.{key}", "must be a string (quote it)")
        rendered[str(key)] = templater.string(template, params, f"{field}.{key}")
    if templater.go_template:
        params["values"] = rendered
    else:
        for key, text in rendered.items():
            params[f"values.{key}"] = text
