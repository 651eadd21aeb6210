"""The function map of goTemplate: Go's builtins, Sprig's text functions, Argo CD's."""

from __future__ import annotations

from typing import Any

from gitsync.gotemplate.argocd import ARGOCD
from gitsync.gotemplate.builtins import BUILTINS
from gitsync.gotemplate.funcbase import FuncMap, register
from gitsync.gotemplate.sprig_collections import COLLECTIONS
from gitsync.gotemplate.sprig_dates import DATES
from gitsync.gotemplate.sprig_encoding import ENCODING
from gitsync.gotemplate.sprig_numbers import NUMBERS
from gitsync.gotemplate.sprig_regex import REGEX
from gitsync.gotemplate.sprig_strings import STRINGS

ARGOCD_FUNCS: FuncMap = {}
for _table in (BUILTINS, STRINGS, COLLECTIONS, NUMBERS, ENCODING, REGEX, DATES, ARGOCD):
    ARGOCD_FUNCS.update(_table)


@register(ARGOCD_FUNCS, "tpl", "string", "any")
def _tpl(text: str, values: Any, executor: Any) -> str:
    from gitsync.gotemplate.engine import run_nested

    return run_nested(text, values, executor)
