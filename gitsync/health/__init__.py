"""Health of live Kubernetes objects and of applications (pure functions, no I/O).

`assess(obj)` gives one object's Health (None when its kind has no check);
`aggregate(pairs)` gives an application's. Checks are registered by (API group, kind):
built-in ones for the common kinds and Argo Rollouts, plus user checks from
`register`, declarative YAML rules (`load_rules`) and the ``gitsync.health`` entry point
group. `rollout_pause_state` tells the sync engine why a Rollout is paused.
"""

from gitsync.health.aggregate import aggregate
from gitsync.health.registry import assess, check_for, register, unregister
from gitsync.health.rollout_pause import RolloutPause, rollout_pause_state
from gitsync.health.rules import load_rules
from gitsync.health.types import Check, Health

__all__ = [
    "Check",
    "Health",
    "RolloutPause",
    "aggregate",
    "assess",
    "check_for",
    "load_rules",
    "register",
    "rollout_pause_state",
    "unregister",
]
