"""The bound flags shared by `serve` and the commands that render (docs/limits.md).

Only the bounds an operator is likely to change have flags; every bound of `Limits` is
also a `serve` setting (config file, ``GITSYNC_<NAME>`` environment variable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from gitsync.durations import parse_duration
from gitsync.errors import GitsyncError, UserInputError
from gitsync.render.limits import DEFAULT_LIMITS, Limits, format_bytes, parse_size

F = TypeVar("F", bound=Callable[..., Any])
LIMIT_FLAGS = ("max_manifest_bytes", "max_generated_apps", "render_memory_limit", "render_timeout")


def limit_options(func: F) -> F:
    """Add --max-manifest-bytes, --max-generated-apps, --render-memory-limit and
    --render-timeout (strings, None when not given) to a click command."""
    return _options(LIMIT_FLAGS)(func)


def expansion_limit_options(func: F) -> F:
    """The bounds that apply to expanding ApplicationSets (`appset generate`)."""
    return _options(("max_manifest_bytes", "max_generated_apps"))(func)


def _options(names: tuple[str, ...]) -> Callable[[F], F]:
    defaults = DEFAULT_LIMITS
    timeout = f"{defaults.render_timeout:g}s"
    every = [
        click.option(
            "--max-manifest-bytes",
            metavar="SIZE",
            help="YAML/JSON one app source may read or render, aliases expanded "
            f"(default {format_bytes(defaults.max_manifest_bytes)}; e.g. 64Mi).",
        ),
        click.option(
            "--max-generated-apps",
            metavar="N",
            help="Applications one ApplicationSet may generate "
            f"(default {defaults.max_generated_apps:,}).",
        ),
        click.option(
            "--render-memory-limit",
            metavar="SIZE",
            help="Address space of a Helm/Jsonnet/Kustomize render process "
            f"(default {format_bytes(defaults.render_memory_limit)}).",
        ),
        click.option(
            "--render-timeout",
            metavar="DURATION",
            help=f"Time a Helm/Jsonnet/Kustomize render may take (default {timeout}).",
        ),
    ]
    chosen = [
        decorator for name, decorator in zip(LIMIT_FLAGS, every, strict=True) if name in names
    ]

    def decorate(func: F) -> F:
        decorated: Callable[..., Any] = func
        for decorator in reversed(chosen):
            decorated = decorator(decorated)
        return decorated  # type: ignore[return-value]

    return decorate


def limits_from_flags(flags: dict[str, Any]) -> Limits:
    """Pop the limit flags out of a command's keyword arguments; defaults where not given."""
    given = {name: flags.pop(name) for name in LIMIT_FLAGS if name in flags}
    values: dict[str, Any] = {}
    try:
        for name, raw in given.items():
            if raw is None:
                continue
            flag = f"--{name.replace('_', '-')}"
            if name == "render_timeout":
                values[name] = parse_duration(raw, what=flag)
            elif name == "max_generated_apps":
                values[name] = int(raw)
            else:
                values[name] = parse_size(raw, flag)
            if values[name] <= 0:
                raise ValueError(f"{flag} must be positive")
    except GitsyncError as err:
        raise UserInputError(str(err)) from None
    except ValueError as err:
        raise UserInputError(
            str(err).replace("invalid literal for int() with base 10", "not a number")
        ) from None
    return Limits(**{**DEFAULT_LIMITS.__dict__, **values})
