"""goTemplate mode: ApplicationSet strings rendered by the Go template interpreter.

Parameters reach the template as Argo CD gives them: decoded from JSON, so every
number is a float64 (``{{ .replicas }}`` prints ``2``, ``printf "%d"`` does not
accept it, ``eq .replicas 2`` is a type error, as in Argo CD).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from gitsync.appset.errors import FieldError
from gitsync.gotemplate.engine import missingkey_mode, render_text
from gitsync.gotemplate.errors import TemplateError
from gitsync.gotemplate.functions import ARGOCD_FUNCS

_QUOTED_MAX = 120


def json_params(value: Any) -> Any:
    """`value` as Go's json.Unmarshal into interface{} gives it: numbers are float64."""
    try:
        return _json_value(value)
    except RecursionError:
        raise FieldError("", "generator parameters nested too deeply") from None


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()  # Argo CD's YAML reader keeps a timestamp as its text
    return value


def render_go(
    text: str,
    params: Mapping[str, Any],
    field: str,
    *,
    strict: bool = False,
    options: Iterable[str] = (),
    converted: bool = False,
) -> str:
    """Render one string of the template; FieldError naming `field` on any failure.

    `converted` says `params` already went through `json_params`.
    """
    if "{{" not in text:
        return text
    try:
        mode = "error" if strict else missingkey_mode(options)
        data = params if converted else json_params(params)
        return render_text(text, data, ARGOCD_FUNCS, (f"missingkey={mode}",))
    except TemplateError as err:
        raise FieldError(field, f"template {_short(text)}: {err}") from None


def _short(text: str) -> str:
    quoted = repr(text)
    return quoted if len(quoted) <= _QUOTED_MAX else quoted[: _QUOTED_MAX - 4] + "...'"
