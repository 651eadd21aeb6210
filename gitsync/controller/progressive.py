"""Progressive syncs: which apps of a RollingSync ApplicationSet may sync now (pure).

Each app gets a step status as Argo CD's ApplicationSet `status.applicationStatus` does:
- Waiting: OutOfSync, its sync not started (its step is not open, or its batch is full);
- Progressing: its sync runs, or it is synced but not yet Healthy (this blocks later
  steps and takes a place in its step's batch);
- Healthy: Synced and Healthy at the revision now wanted.
A step opens when every app of the steps before it is Healthy; at most `maxUpdate` of
its apps are Progressing at once, started in name order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitsync.appset.rollingsync import RollingSync
from gitsync.controller.ordering import AppState
from gitsync.model.enums import OperationPhase

WAITING = "Waiting"
PROGRESSING = "Progressing"
HEALTHY = "Healthy"


@dataclass(frozen=True)
class RollingApp:
    """One app of a RollingSync ApplicationSet: its labels (to find its step) and state."""

    name: str
    labels: Mapping[str, str]
    state: AppState
    starting: bool = False  # claimed for a sync that has not saved a status yet


@dataclass(frozen=True)
class StepStatus:
    """`step` is None for an app no step selects; `may_sync` opens its automatic sync."""

    step: int | None
    status: str
    message: str
    may_sync: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"step": self.step, "status": self.status, "message": self.message}


def step_statuses(apps: Sequence[RollingApp], rolling: RollingSync) -> dict[str, StepStatus]:
    """The step status of every app of one ApplicationSet."""
    steps: dict[int, list[RollingApp]] = {}
    out: dict[str, StepStatus] = {}
    for app in sorted(apps, key=lambda a: a.name):
        number = rolling.step_of(app.labels)
        if number is None:
            out[app.name] = StepStatus(
                None, _status(app), "selected by no RollingSync step: sync it by hand"
            )
        else:
            steps.setdefault(number, []).append(app)
    blocker = ""  # why the steps from here on may not start
    for number in sorted(steps):
        members = steps[number]
        statuses = {a.name: _status(a) for a in members}
        if blocker:
            for app in members:
                status = statuses[app.name]
                if status == WAITING:
                    message = f"step {number} waits: {blocker}"
                else:
                    message = _progress_message(app, status)
                out[app.name] = StepStatus(number, status, message)
        else:
            out.update(_open_step(number, members, statuses, rolling))
        unfinished = [a for a in members if statuses[a.name] != HEALTHY]
        if unfinished and not blocker:
            first = unfinished[0]
            blocker = f"step {number} app {first.name} is not Healthy ({_describe(first)})"
    return out


def _open_step(
    number: int, members: list[RollingApp], statuses: dict[str, str], rolling: RollingSync
) -> dict[str, StepStatus]:
    step = rolling.steps[number - 1]
    batch = step.batch_size(len(members))
    busy = sum(1 for status in statuses.values() if status == PROGRESSING)
    places = max(batch - busy, 0)
    out: dict[str, StepStatus] = {}
    for app in members:
        status = statuses[app.name]
        if status != WAITING:
            out[app.name] = StepStatus(number, status, _progress_message(app, status))
        elif places > 0:
            places -= 1
            out[app.name] = StepStatus(number, WAITING, f"step {number} is open", True)
        elif batch == 0:
            message = f"step {number} has maxUpdate 0: sync it by hand"
            out[app.name] = StepStatus(number, WAITING, message)
        else:
            message = (
                f"step {number} syncs {batch} of its {len(members)} apps at a time "
                f"(maxUpdate {step.describe_max_update()}): waiting for a place"
            )
            out[app.name] = StepStatus(number, WAITING, message)
    return out


def _status(app: RollingApp) -> str:
    state = app.state
    if app.starting or state.operation_phase == OperationPhase.RUNNING:
        return PROGRESSING
    if state.ready:
        return HEALTHY
    if not state.current or state.sync_status != "Synced":
        # A failed sync leaves the app OutOfSync; it keeps its place in the batch so that
        # a broken step stops the rollout instead of moving on to the next app.
        return PROGRESSING if state.failure else WAITING
    return PROGRESSING


def _progress_message(app: RollingApp, status: str) -> str:
    if status == HEALTHY:
        return ""
    if app.state.failure:
        return f"{app.state.failure}: the rollout stops here until it is repaired"
    return _describe(app)


def _describe(app: RollingApp) -> str:
    if app.starting:
        return "sync starting"
    return app.state.describe()
