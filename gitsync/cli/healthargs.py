"""``--health-lua DIR``, shared by `health`, `diff`, `sync` and `serve`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from gitsync.health import LuaScripts, load_directory, use_lua_scripts
from gitsync.health.lua_scripts import LuaScript

F = TypeVar("F", bound=Callable[..., Any])


def health_lua_option(func: F) -> F:
    """Add ``--health-lua DIR`` (repeatable)."""
    option = click.option(
        "--health-lua",
        "health_lua",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False),
        help="Lua health scripts in Argo CD's resource_customizations layout: "
        "DIR/<group>/<Kind>/health.lua ('_' in a name stands for '*'). Repeatable.",
    )
    return option(func)


def load_health_lua(directories: tuple[str, ...] | list[str]) -> LuaScripts:
    """The scripts of every directory (ConfigError if one is bad): a script for the exact
    kind wins over a wildcard one, and between equals the directory given first wins."""
    scripts: list[LuaScript] = []
    for directory in directories:
        scripts.extend(load_directory(directory))
    return LuaScripts(scripts)


def use_health_lua(directories: tuple[str, ...] | list[str]) -> None:
    """Load the directories' scripts into the health registry (nothing when none given)."""
    if directories:
        use_lua_scripts("directory", load_health_lua(directories))
