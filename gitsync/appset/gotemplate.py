"""goTemplate mode: Go template syntax, rendered by Jinja2 in a sandbox.

Templates come from Git, so they are untrusted. Three layers keep them in: the Go subset
is translated (gotranslate) into Jinja source that only looks items up and calls
allow-listed functions; the environment is an ImmutableSandboxedEnvironment with no
globals, filters or attribute access at all (``a.b`` is an item lookup, never getattr);
and any sandbox refusal becomes an error instead of an empty string.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NoReturn

import jinja2
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gitsync.appset.errors import FieldError
from gitsync.appset.gofuncs import FUNCTIONS, INTERNAL, go_format
from gitsync.appset.gotranslate import (
    CONSTS,
    FUNC_PREFIX,
    ROOT,
    TEXTS,
    TranslateError,
    translate,
)

NO_VALUE = "<no value>"


class _NoValue(jinja2.ChainableUndefined):
    """A missing key prints ``<no value>``, as Go's text/template does by default."""

    def __init__(self, hint: Any = None, obj: Any = jinja2.utils.missing, name: Any = None,
                 exc: type[jinja2.TemplateRuntimeError] = UndefinedError) -> None:  # fmt: skip
        if exc is SecurityError:
            raise SecurityError(hint or f"access to {name!r} is not allowed")
        super().__init__(hint, obj, name, exc)

    def __str__(self) -> str:
        return NO_VALUE


class _Strict(jinja2.StrictUndefined):
    """``missingkey=error``: any use of a missing key fails the render."""

    def __init__(self, hint: Any = None, obj: Any = jinja2.utils.missing, name: Any = None,
                 exc: type[jinja2.TemplateRuntimeError] = UndefinedError) -> None:  # fmt: skip
        if exc is SecurityError:
            raise SecurityError(hint or f"access to {name!r} is not allowed")
        super().__init__(hint, obj, name, exc)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Item lookups only: a template can read its parameters and nothing else."""

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str) and argument.startswith("_"):
            self._refuse(obj, argument)
        if isinstance(obj, Mapping | list | tuple) and not isinstance(obj, jinja2.Undefined):
            try:
                return obj[argument]
            except (KeyError, IndexError, TypeError):
                return self.undefined(obj=obj, name=argument)
        if isinstance(obj, jinja2.Undefined):
            return obj[argument]
        if isinstance(argument, str):
            self._refuse(obj, argument)
        return self.undefined(obj=obj, name=argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self.getitem(obj, attribute)

    def _refuse(self, obj: Any, name: str) -> NoReturn:
        raise SecurityError(f"access to {name!r} of a {type(obj).__name__} is not allowed")


def _environment(undefined: type[jinja2.Undefined]) -> _Sandbox:
    env = _Sandbox(
        undefined=undefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_finalize,
        auto_reload=False,
        cache_size=0,
    )
    env.globals.clear()
    env.filters.clear()
    env.globals.update({f"{FUNC_PREFIX}{name}": fn for name, fn in FUNCTIONS.items()})
    env.globals.update({f"{FUNC_PREFIX}{name}": fn for name, fn in INTERNAL.items()})
    return env


def _finalize(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        return value  # printed (or refused) by its own __str__
    return value if isinstance(value, str) else go_format(value)


_LENIENT = _environment(_NoValue)
_STRICT = _environment(_Strict)


@functools.lru_cache(maxsize=4096)
def _compiled(text: str, strict: bool) -> tuple[jinja2.Template, tuple[str, ...], tuple[Any, ...]]:
    translation = translate(text)
    env = _STRICT if strict else _LENIENT
    return env.from_string(translation.source), tuple(translation.texts), tuple(translation.consts)


def render_go(text: str, params: Mapping[str, Any], field: str, *, strict: bool) -> str:
    """Render one string of the template; FieldError naming `field` on any failure."""
    if "{{" not in text:
        return text
    try:
        template, texts, consts = _compiled(text, strict)
    except TranslateError as err:
        raise FieldError(field, f"template {text!r}: {err}") from None
    except jinja2.TemplateError as err:
        raise FieldError(field, f"template {text!r}: {err}") from None
    return _run(template, {ROOT: params, TEXTS: texts, CONSTS: consts}, text, field)


def render_jinja_sandboxed(source: str, context: Mapping[str, Any], field: str) -> str:
    """Render raw Jinja source in the same sandbox (for checks of the sandbox itself)."""
    try:
        template = _LENIENT.from_string(source)
    except jinja2.TemplateError as err:
        raise FieldError(field, f"template {source!r}: {err}") from None
    return _run(template, dict(context), source, field)


def _run(template: jinja2.Template, context: dict[str, Any], text: str, field: str) -> str:
    try:
        return template.render(context)
    except SecurityError as err:
        raise FieldError(field, f"template {text!r} refused by the sandbox: {err}") from None
    except UndefinedError as err:
        raise FieldError(field, f"template {text!r}: missing key ({err})") from None
    except (TypeError, ValueError, LookupError, ArithmeticError) as err:
        raise FieldError(field, f"template {text!r}: {err}") from None
    except jinja2.TemplateError as err:
        raise FieldError(field, f"template {text!r}: {err}") from None
    except RecursionError:
        raise FieldError(field, f"template {text!r}: too deeply nested") from None
