"""An interpreter of Go's text/template with the functions Argo CD's ApplicationSet
controller offers (Sprig's text functions less ``env``, ``expandenv`` and
``getHostByName``, plus ``normalize``, ``slugify``, ``toYaml``, ``fromYaml``,
``fromYamlArray`` and ``tpl``).

Templates come from Git, so they are hostile: nothing in a template reaches Python
objects (field access only reads mappings), and output size, loop iterations, parse
nesting and template recursion are bounded (`Limits`).
"""

from __future__ import annotations

from gitsync.gotemplate.errors import (
    TemplateBoundError,
    TemplateError,
    TemplateExecError,
    TemplateParseError,
)
from gitsync.gotemplate.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "TemplateBoundError",
    "TemplateError",
    "TemplateExecError",
    "TemplateParseError",
]
