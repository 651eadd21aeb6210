"""How an operation ends: success, failure (SyncFail hooks, then a retry or Failed), or
the end of a dry run; and the hooks deleted by their policy once the outcome is known."""

from __future__ import annotations

from collections.abc import Sequence

from gitsync.errors import KubeError
from gitsync.model.enums import HookDeletePolicy, OperationPhase, ResultCode
from gitsync.sync import actions
from gitsync.sync.changes import Action
from gitsync.sync.context import StepContext
from gitsync.sync.state import TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.waves import WaveOutcome, run_wave
from gitsync.sync.writes import prune_one

_BAD = frozenset({TaskStatus.FAILED, TaskStatus.ERROR})


def succeed(ctx: StepContext) -> None:
    delete_hooks(ctx, HookDeletePolicy.HOOK_SUCCEEDED)
    selected = ctx.plan.selected
    if selected:
        more = f" and {len(selected) - 1} more" if len(selected) > 1 else ""
        message = f"successfully synced (partial: {selected[0]}{more})"
    else:
        message = "successfully synced (all tasks run)"
    ctx.finish(OperationPhase.SUCCEEDED, message)


def fail(ctx: StepContext, message: str) -> None:
    """The operation fails: SyncFail hooks run first (over as many steps as they take),
    then it is retried or ends Failed."""
    state = ctx.state
    state.failing = state.failing or message
    delete_hooks(ctx, HookDeletePolicy.HOOK_FAILED)
    unstarted = [t for t in ctx.sync_fail if ctx.result(t) is None]
    if not ctx.sync_fail or (not unstarted and ctx.all_done(ctx.sync_fail)):
        _finish_failed(ctx, failure_message(ctx, state.failing))
        return
    if unstarted:
        outcome = run_wave(ctx, unstarted)
        if outcome is WaveOutcome.FAILED:
            failed = failure_message(ctx, "one or more SyncFail hooks failed", ctx.sync_fail)
            _finish_failed(ctx, f"{failure_message(ctx, state.failing)}; {failed}")
            return
    state.message = f"{state.failing}; running SyncFail hooks"


def finish_dry_run(ctx: StepContext, ok: bool) -> None:
    """A dry run ends after its pre-flight: every task says what it would do."""
    for task in ctx.main:
        if ctx.result(task) is not None:
            continue
        if task.prune:
            prune_one(ctx, task)
        else:
            ctx.record(task, Action.VALIDATED, TaskStatus.SUCCEEDED)
    if ok:
        ctx.finish(OperationPhase.SUCCEEDED, "dry run: every object validated")
    else:
        ctx.finish(OperationPhase.FAILED, failure_message(ctx, "dry run failed"))


def failure_message(ctx: StepContext, message: str, among: Sequence[Task] | None = None) -> str:
    """`message`, then each failed task's resource and reason."""
    pool = ctx.main if among is None else among
    reasons = [
        _reason(t, r.message) for t in pool if (r := ctx.result(t)) is not None and r.status in _BAD
    ]
    return f"{message}: {'; '.join(reasons)}" if reasons else message


def delete_hooks(ctx: StepContext, policy: HookDeletePolicy) -> None:
    """Deletion follows the outcome of the whole operation, not of each hook."""
    due = [
        t
        for t in ctx.tasks
        if t.has_policy(policy)
        and (r := ctx.result(t)) is not None
        and r.status.completed
        and r.result is ResultCode.SYNCED
        and not r.deleted
    ]

    def delete(task: Task) -> None:
        try:
            actions.delete_hook(ctx.port, task)
        except KubeError as err:
            found = ctx.result(task)
            assert found is not None
            found.message = f"{found.message}; failed to delete: {err}"

    ctx.map(delete, due)
    for task in due:
        found = ctx.result(task)
        assert found is not None
        found.deleted = True


def _finish_failed(ctx: StepContext, message: str) -> None:
    """Failed, unless the retry policy starts the operation over after a backoff."""
    retry = ctx.settings.retry
    state = ctx.state
    if state.retry_count < retry.limit and not ctx.settings.dry_run:
        state.retry_count += 1
        delay = retry.delay(state.retry_count)
        state.results = {}
        state.preflight_done = False
        state.preflight_attempts = 0
        state.failing = ""
        state.next_wave_at = 0.0
        state.next_attempt_at = ctx.now + delay
        state.started_at = int(ctx.now + delay)
        state.message = (
            f"retrying in {delay:.0f}s (attempt {state.retry_count} of {retry.limit}) "
            f"after: {message}"
        )
        return
    ctx.finish(OperationPhase.FAILED, message)


def _reason(task: Task, message: str) -> str:
    """``Kind/namespace/name: message``, naming the resource once (API errors name it)."""
    key = str(task.key)
    return message if message.startswith(key) else f"{key}: {message}"
