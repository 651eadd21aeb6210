"""Jobs run for `sim.gitsync.io/duration` seconds (or `ready-after`, or the global delay)
and then complete, or fail with `sim.gitsync.io/fail: "true"`.

A Job may also *do* something when it finishes: `sim.gitsync.io/action: <name>` runs the
action registered under that name (see `register_job_action`); the action's result
decides whether the Job succeeds.
"""

from __future__ import annotations

from collections.abc import Callable

from gitsync.sim.objects import timestamp

from .base import (
    ACTION,
    DURATION,
    Controller,
    ControllerContext,
    Obj,
    annotations_of,
    condition,
    fails,
    ready_delay_of,
    seconds,
)

JobAction = Callable[[ControllerContext, Obj], bool]
JOB_ACTIONS: dict[str, JobAction] = {}
# Functions that name the action of a Job without the annotation (e.g. from its command).
JOB_ACTION_DETECTORS: list[Callable[[Obj], str | None]] = []


def register_job_action(name: str, action: JobAction) -> None:
    """Make `sim.gitsync.io/action: <name>` run `action(ctx, job)` when a Job finishes.
    It returns True for success; False (or an exception) fails the Job."""
    JOB_ACTIONS[name] = action


def _terminal(obj: Obj) -> bool:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return True
    return False


class JobController(Controller):
    """Jobs run for a while, then complete or fail (and may act when they finish)."""

    name = "job"
    kinds = frozenset({("batch", "Job")})

    def reconcile(self, ctx: ControllerContext, obj: Obj) -> float | None:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") or _terminal(obj):
            return None
        if obj.get("spec", {}).get("suspend"):
            return None
        notes = annotations_of(obj)
        duration = seconds(notes.get(DURATION), ready_delay_of(obj, ctx.ready_delay))
        elapsed = self.elapsed(ctx, obj, "run")
        status = dict(obj.get("status") or {})
        status.setdefault("startTime", timestamp())
        if elapsed < duration:
            status.update(active=1, ready=1)
            ctx.write_status(obj, status)
            return duration - elapsed
        ok = not fails(obj)
        action_name = notes.get(ACTION) or next(
            (found for detect in JOB_ACTION_DETECTORS if (found := detect(obj))), None
        )
        if ok and action_name:
            action = JOB_ACTIONS.get(action_name)
            try:
                ok = bool(action(ctx, obj)) if action is not None else False
            except Exception:
                ok = False
        status.pop("active", None)
        status["ready"] = 0
        status["uncountedTerminatedPods"] = {}
        if ok:
            status.update(succeeded=1, completionTime=timestamp())
            status["conditions"] = [
                condition(
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
                condition(
                    "Complete",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ),
            ]
        else:
            status["failed"] = 1
            status["conditions"] = [
                condition(
                    "FailureTarget",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                ),
                condition(
                    "Failed",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                ),
            ]
        ctx.write_status(obj, status)
        return None
