"""Parse and execute Go templates with Argo CD's function map, within bounds."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from gitsync.gotemplate.errors import TemplateBoundError, TemplateError
from gitsync.gotemplate.executor import MISSINGKEY_MODES, Budget, Executor
from gitsync.gotemplate.funcbase import FuncMap
from gitsync.gotemplate.limits import CURRENT_LIMITS, DEFAULT_LIMITS, Limits
from gitsync.gotemplate.parser import Tree, parse

# Argo CD deletes these from Sprig's map so that a template cannot learn about the
# controller's environment; like Argo CD we refuse them when parsing, never run them.
REMOVED_BY_ARGOCD = frozenset(("env", "expandenv", "getHostByName"))
# Functions of Sprig's map that gitsync does not offer (key and certificate generation,
# encryption): refused when parsing, so a template never renders half-done.
NOT_SUPPORTED = frozenset(
    (
        "bcrypt",
        "htpasswd",
        "genPrivateKey",
        "derivePassword",
        "buildCustomCert",
        "genCA",
        "genCAWithKey",
        "genSelfSignedCert",
        "genSelfSignedCertWithKey",
        "genSignedCert",
        "genSignedCertWithKey",
        "encryptAES",
        "decryptAES",
    )
)


def _function_check(funcs: FuncMap) -> Any:
    def known(name: str) -> str | None:
        if name in funcs and name not in REMOVED_BY_ARGOCD:
            return None
        if name == "call":
            return 'function "call" is not allowed'
        if name in NOT_SUPPORTED:
            return f'function "{name}" is not supported by gitsync'
        return f'function "{name}" not defined'

    return known


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str, limits: Limits, funcs_id: int) -> Tree:
    return parse(text, _function_check(_FUNC_TABLES[funcs_id]), limits)


_FUNC_TABLES: dict[int, FuncMap] = {}


def compile_template(text: str, funcs: FuncMap, limits: Limits = DEFAULT_LIMITS) -> Tree:
    """The parse tree of `text` (cached); TemplateError when it is not a valid template."""
    _FUNC_TABLES.setdefault(id(funcs), funcs)
    try:
        return _parse_cached(text, limits, id(funcs))
    except RecursionError:
        raise TemplateBoundError(
            "template nested too deeply (bound: template parse depth)"
        ) from None


def missingkey_mode(options: Iterable[str]) -> str:
    """The ``missingkey`` mode of Go's template options (Argo CD's goTemplateOptions)."""
    mode = "default"
    for option in options:
        key, _, value = option.partition("=")
        if key != "missingkey" or value not in MISSINGKEY_MODES:
            raise TemplateError(f"unrecognized template option: {option}")
        mode = value
    return mode


def execute(
    tree: Tree,
    data: Any,
    funcs: FuncMap,
    missingkey: str = "default",
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    executor = Executor(tree, funcs, missingkey, Budget(limits))
    token = CURRENT_LIMITS.set(limits)
    try:
        return executor.execute(data)
    except RecursionError:
        raise TemplateBoundError(
            "template execution nested too deeply (bound: template recursion depth)"
        ) from None
    finally:
        CURRENT_LIMITS.reset(token)


def render_text(
    text: str,
    data: Any,
    funcs: FuncMap,
    options: Iterable[str] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Parse and execute `text` with `data` as dot."""
    mode = missingkey_mode(options)
    return execute(compile_template(text, funcs, limits), data, funcs, mode, limits)


def run_nested(text: str, data: Any, parent: Executor) -> str:
    """Argo CD's ``tpl``: a template text run with the caller's functions and options."""
    if parent.depth + 1 >= parent.limits.max_template_depth:
        raise TemplateBoundError(
            f"templates nested deeper than {parent.limits.max_template_depth} "
            "(bound: template recursion depth)"
        )
    tree = compile_template(text, parent.funcs, parent.limits)
    child = Executor(
        tree, parent.funcs, parent.missingkey, parent.budget, parent.name, parent.depth + 1
    )
    return child.execute(data).replace("<no value>", "")
