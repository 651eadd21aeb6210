"""Which check decides an object's health, and `assess`, the one entry point.

Looked up in this order, so what users bring wins over what gitsync ships:
1. a Lua script for the kind (exact, then wildcard): from the argocd-cm ConfigMap, then
   from ``--health-lua`` directories (`use_lua_scripts`);
2. checks registered at run time (`register`, declarative rules from `load_rules`);
3. checks from installed packages (entry point group ``gitsync.health``, see plugins.py);
4. the built-in checks (`builtin.lookup`);
5. for custom resources only, the conditions conventions (conditions.py);
6. none: the object has no health.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.health import builtin, plugins
from gitsync.health.conditions import conditions_health, is_custom
from gitsync.health.fields import mapping, text
from gitsync.health.lua_runtime import shared_runtime
from gitsync.health.lua_scripts import LuaScript, LuaScripts
from gitsync.health.types import Check, Health, progressing, unknown
from gitsync.model.keys import split_api_version

# Argo CD keeps its hook finalizer on a hook while the sync reads its result: such an
# object being deleted still has a meaningful health.
HOOK_FINALIZERS = frozenset({"argocd.argoproj.io/hook-finalizer"})

BUILTIN = "builtin"
REGISTERED = "registered"
PLUGIN = "plugin"
CONDITIONS = "conditions"
NONE = "none"
LUA_PREFIX = "lua:"

# Lua script layers, first wins: the live ConfigMap over directories given at start.
LUA_LAYERS = ("configmap", "directory")

_user_checks: dict[tuple[str, str], Check] = {}
_lua_layers: dict[str, LuaScripts] = {}


@dataclass(frozen=True)
class Assessment:
    """An object's health (None: no health) and which check decided it: ``builtin``,
    ``lua:<path or ConfigMap key>``, ``registered``, ``plugin``, ``conditions``, ``none``."""

    health: Health | None
    source: str


def register(group: str, kind: str, check: Check) -> None:
    """Use `check` for objects of `group` (``""`` for the core group) and `kind`.

    Replaces any earlier registration for the same pair and shadows plugins and built-ins
    (a Lua script for the kind still wins).
    """
    _user_checks[(group, kind)] = check


def unregister(group: str, kind: str) -> None:
    """Drop a run-time registration (the plugin or built-in check, if any, applies again)."""
    _user_checks.pop((group, kind), None)


def use_lua_scripts(layer: str, scripts: LuaScripts | None) -> None:
    """Set (or with None, clear) the Lua scripts of one layer of `LUA_LAYERS`."""
    if layer not in LUA_LAYERS:
        raise ValueError(f"unknown Lua layer {layer!r}")
    if scripts is None:
        _lua_layers.pop(layer, None)
    else:
        _lua_layers[layer] = scripts
    keep = {s.compiled.digest for found in _lua_layers.values() for s in found}
    shared_runtime().forget(keep)


def lua_script_for(group: str, kind: str) -> LuaScript | None:
    for layer in LUA_LAYERS:
        scripts = _lua_layers.get(layer)
        found = scripts.find(group, kind) if scripts is not None else None
        if found is not None:
            return found
    return None


def _check_for(group: str, kind: str) -> tuple[Check | None, str]:
    key = (group, kind)
    found = _user_checks.get(key)
    if found is not None:
        return found, REGISTERED
    found = plugins.checks().get(key)
    if found is not None:
        return found, PLUGIN
    found = builtin.lookup(group, kind)
    if found is not None:
        return found, BUILTIN
    return None, NONE


def check_for(group: str, kind: str) -> Check | None:
    """The Python check for (group, kind): registered, plugin or built-in."""
    return _check_for(group, kind)[0]


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


REDACTED = "<redacted>"


def _without_secret_values(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Secret as a script sees it: its keys, never its values (a script's message is
    shown in statuses and logs)."""
    shown = dict(obj)
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, Mapping):
            shown[field] = {key: REDACTED for key in values}
    return shown


def decide(obj: Mapping[str, Any]) -> Assessment:
    """Health of one live object and the check that decided it.

    An object being deleted is Progressing. A check that raises, and a Lua script that
    fails, give Unknown with the error as message, so one broken check cannot stop a
    reconcile.
    """
    if _being_deleted(obj):
        return Assessment(progressing("Pending deletion"), BUILTIN)
    group, kind = group_kind(obj)
    script = lua_script_for(group, kind)
    if script is not None:
        shown = _without_secret_values(obj) if (group, kind) == ("", "Secret") else obj
        return Assessment(
            shared_runtime().evaluate(script.compiled, shown), LUA_PREFIX + script.origin
        )
    check, source = _check_for(group, kind)
    if check is not None:
        try:
            return Assessment(check(obj), source)
        except Exception as err:  # a user's check must not take the controller down
            return Assessment(unknown(f"health check failed: {type(err).__name__}: {err}"), source)
    if is_custom(group):
        found = conditions_health(obj)
        if found is not None:
            return Assessment(found, CONDITIONS)
    return Assessment(None, NONE)


def assess(obj: Mapping[str, Any]) -> Health | None:
    """Health of one live object, or None when no check gives it one."""
    return decide(obj).health


__all__ = [
    "HOOK_FINALIZERS",
    "Assessment",
    "assess",
    "check_for",
    "decide",
    "lua_script_for",
    "register",
    "unregister",
    "use_lua_scripts",
]
