"""Which check applies to which (group, kind), and `assess`, the one entry point.

Three layers, looked up in this order so users can override what gitsync ships:
1. checks registered at run time (`register`, declarative rules from `load_rules`);
2. checks from installed packages (entry point group ``gitsync.health``, see plugins.py);
3. the built-in checks (builtin.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health import builtin, plugins
from gitsync.health.fields import mapping, text
from gitsync.health.types import Check, Health, progressing, unknown
from gitsync.model.keys import split_api_version

# Argo CD keeps its hook finalizer on a hook while the sync reads its result: such an
# object being deleted still has a meaningful health.
HOOK_FINALIZERS = frozenset({"argocd.argoproj.io/hook-finalizer"})

_user_checks: dict[tuple[str, str], Check] = {}


def register(group: str, kind: str, check: Check) -> None:
    """Use `check` for objects of `group` (``""`` for the core group) and `kind`.

    Replaces any earlier registration for the same pair and shadows plugins and built-ins.
    """
    _user_checks[(group, kind)] = check


def unregister(group: str, kind: str) -> None:
    """Drop a run-time registration (the plugin or built-in check, if any, applies again)."""
    _user_checks.pop((group, kind), None)


def check_for(group: str, kind: str) -> Check | None:
    key = (group, kind)
    return _user_checks.get(key) or plugins.checks().get(key) or builtin.lookup(group, kind)


def group_kind(obj: Mapping[str, Any]) -> tuple[str, str]:
    group, _ = split_api_version(text(obj, "apiVersion"))
    return group, text(obj, "kind")


def _being_deleted(obj: Mapping[str, Any]) -> bool:
    if not text(obj, "metadata", "deletionTimestamp"):
        return False
    finalizers = mapping(obj, "metadata").get("finalizers")
    held_by_hook = isinstance(finalizers, list) and bool(
        HOOK_FINALIZERS.intersection(map(str, finalizers))
    )
    return not held_by_hook


def assess(obj: Mapping[str, Any]) -> Health | None:
    """Health of one live object, or None when its kind has no health check.

    An object being deleted is Progressing. A check that raises gives Unknown with the
    error as message, so one broken custom check cannot stop a reconcile.
    """
    if _being_deleted(obj):
        return progressing("Pending deletion")
    check = check_for(*group_kind(obj))
    if check is None:
        return None
    try:
        return check(obj)
    except Exception as err:  # a user's check must not take the controller down
        return unknown(f"health check failed: {type(err).__name__}: {err}")


__all__ = ["HOOK_FINALIZERS", "assess", "check_for", "register", "unregister"]
