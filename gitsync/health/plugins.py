"""Health checks from installed packages: the ``gitsync.health`` entry point group.

Each entry point is named after the kind it checks, spelled as kubectl does
(``Kind.group``, or just ``Kind`` for the core group), and points at a callable that
takes the live object (a dict) and returns a Health or None::

    [project.entry-points."gitsync.health"]
    "Database.example.com" = "mypkg.health:database"

They are loaded once, on first use.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from gitsync.errors import ConfigError
from gitsync.health.types import Check

GROUP = "gitsync.health"

_loaded: dict[tuple[str, str], Check] | None = None


def parse_name(name: str) -> tuple[str, str]:
    """``Database.example.com`` -> (``example.com``, ``Database``); ``Pod`` -> (``""``, ``Pod``)."""
    kind, _, group = name.strip().partition(".")
    if not kind:
        raise ConfigError(f"entry point {name!r} in {GROUP}: expected Kind.group")
    return group, kind


def _load() -> dict[tuple[str, str], Check]:
    found: dict[tuple[str, str], Check] = {}
    for point in entry_points(group=GROUP):
        try:
            check = point.load()
        except Exception as err:
            raise ConfigError(
                f"health check {point.name!r} ({point.value}) failed to load: {err}"
            ) from err
        if not callable(check):
            raise ConfigError(f"health check {point.name!r} ({point.value}) is not callable")
        found[parse_name(point.name)] = check
    return found


def checks() -> dict[tuple[str, str], Check]:
    """The checks of every installed package (loaded on the first call)."""
    global _loaded
    if _loaded is None:
        _loaded = _load()
    return _loaded


def reload() -> dict[tuple[str, str], Check]:
    """Forget what was loaded and scan the installed packages again."""
    global _loaded
    _loaded = None
    return checks()
