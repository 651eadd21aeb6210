"""`spec.strategy` of an ApplicationSet: AllAtOnce (the default) or RollingSync steps.

    strategy:
      type: RollingSync
      rollingSync:
        steps:
          - matchExpressions: [{key: env, operator: In, values: [dev]}]
          - matchExpressions: [{key: env, operator: In, values: [prod]}]
            maxUpdate: 50%          # an integer, or a percentage of the step's apps

An app belongs to the first step whose expressions all match its labels; an app that
matches no step is left to manual syncs, as in Argo CD.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.appset.errors import FieldError
from gitsync.appset.selector import Requirement, Selector, parse_selector

ALL_AT_ONCE = "AllAtOnce"
ROLLING_SYNC = "RollingSync"
_PERCENT = re.compile(r"^\s*(\d{1,3})\s*%\s*$")


@dataclass(frozen=True)
class RollingStep:
    """One step of a RollingSync strategy: the apps it selects and how many at once."""

    selector: Selector
    max_update: int | str | None = None  # None: all of the step's apps at once

    def batch_size(self, apps_in_step: int) -> int:
        """How many of the step's apps may be syncing at once.

        Percentages round down but stay at least 1 when above 0%; 0 means none: the
        step's apps wait for manual syncs."""
        value = self.max_update
        if value is None:
            return apps_in_step
        if isinstance(value, int):
            return value
        match = _PERCENT.match(value)
        assert match is not None  # validated by parse_strategy
        percent = int(match.group(1))
        if percent == 0:
            return 0
        return max(1, math.floor(apps_in_step * percent / 100))

    def describe_max_update(self) -> str:
        return "100%" if self.max_update is None else str(self.max_update).strip()


@dataclass(frozen=True)
class RollingSync:
    """An ApplicationSet's `strategy.rollingSync`: its steps, in order."""

    steps: tuple[RollingStep, ...]
    # `rollingSync.defaultPrune`: prune in the syncs the steps start, unless an app's own
    # `syncPolicy.automated.prune` says otherwise
    default_prune: bool = False

    def step_of(self, labels: Mapping[str, str]) -> int | None:
        """The 1-based step an app with these labels belongs to, or None."""
        for number, step in enumerate(self.steps, start=1):
            if step.selector.matches(labels):
                return number
        return None


def parse_strategy(raw: Any) -> RollingSync | None:
    """The RollingSync of `spec.strategy`, None for AllAtOnce or no strategy.

    FieldError (naming the field) for anything else, so a typo cannot silently turn a
    staged rollout into an all-at-once one."""
    field = "spec.strategy"
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise FieldError(field, "must be a mapping with a type")
    kind = raw.get("type") or ALL_AT_ONCE
    if kind == ALL_AT_ONCE:
        return None
    if kind != ROLLING_SYNC:
        raise FieldError(f"{field}.type", f"{kind!r} is not one of {ALL_AT_ONCE}, {ROLLING_SYNC}")
    rolling = raw.get("rollingSync")
    if not isinstance(rolling, Mapping):
        raise FieldError(f"{field}.rollingSync", "must be a mapping with steps")
    steps = rolling.get("steps")
    if not isinstance(steps, list) or not steps:
        raise FieldError(f"{field}.rollingSync.steps", "must be a non-empty list")
    default_prune = rolling.get("defaultPrune", False)
    if not isinstance(default_prune, bool):
        raise FieldError(f"{field}.rollingSync.defaultPrune", "must be true or false")
    return RollingSync(
        tuple(
            _step(step, f"{field}.rollingSync.steps[{index}]") for index, step in enumerate(steps)
        ),
        default_prune,
    )


def _step(raw: Any, field: str) -> RollingStep:
    if not isinstance(raw, Mapping):
        raise FieldError(field, "must be a mapping with matchExpressions")
    unknown = sorted(set(raw) - {"matchExpressions", "maxUpdate"})
    if unknown:
        raise FieldError(field, f"unknown field {unknown[0]!r} (use matchExpressions, maxUpdate)")
    expressions = raw.get("matchExpressions")
    if not isinstance(expressions, list) or not expressions:
        raise FieldError(f"{field}.matchExpressions", "must be a non-empty list")
    selector = parse_selector({"matchExpressions": expressions}, field)
    _only_in_and_not_in(selector.requirements, field)
    return RollingStep(selector, _max_update(raw.get("maxUpdate"), f"{field}.maxUpdate"))


def _only_in_and_not_in(requirements: tuple[Requirement, ...], field: str) -> None:
    for index, requirement in enumerate(requirements):
        if requirement.operator not in ("In", "NotIn"):
            raise FieldError(
                f"{field}.matchExpressions[{index}].operator",
                f"{requirement.operator!r}: RollingSync steps take In or NotIn",
            )


def _max_update(raw: Any, field: str) -> int | str | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise FieldError(field, "must be an integer or a percentage such as 25%")
    if isinstance(raw, int):
        if raw < 0:
            raise FieldError(field, f"{raw} is negative")
        return raw
    if isinstance(raw, str):
        match = _PERCENT.match(raw)
        if match and int(match.group(1)) <= 100:
            return raw.strip()
        if raw.strip().isdigit():
            return int(raw.strip())
    raise FieldError(field, f"{raw!r} is not an integer or a percentage from 0% to 100%")
