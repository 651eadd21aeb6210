"""Health of live Kubernetes objects and of applications (pure functions, no I/O).

`assess(obj)` gives one object's Health (None when no check gives it one), `decide(obj)`
the same with the check that decided;
`aggregate(pairs)` gives an application's. Checks are registered by (API group, kind):
Lua scripts in Argo CD's format (`use_lua_scripts`), user checks from `register`,
declarative YAML rules (`load_rules`), the ``gitsync.health`` entry point group, the
built-in checks and, for custom resources, the conditions conventions.
`rollout_pause_state` tells the sync engine why a Rollout is paused.
"""

from gitsync.health.aggregate import aggregate
from gitsync.health.lua_scripts import LuaScripts, load_directory, read_argocd_cm
from gitsync.health.registry import (
    Assessment,
    assess,
    check_for,
    decide,
    register,
    unregister,
    use_lua_scripts,
)
from gitsync.health.rollout_pause import RolloutPause, rollout_pause_state
from gitsync.health.rules import load_rules
from gitsync.health.types import Check, Health

__all__ = [
    "Assessment",
    "Check",
    "Health",
    "LuaScripts",
    "RolloutPause",
    "aggregate",
    "assess",
    "check_for",
    "decide",
    "load_directory",
    "load_rules",
    "read_argocd_cm",
    "register",
    "rollout_pause_state",
    "unregister",
    "use_lua_scripts",
]
