"""Progress through the waves: look at running tasks again, release finished hooks, and
run one (phase, wave): prunes, BeforeHookCreation deletions, then the applies, one kind
group after another, each group concurrently."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from itertools import groupby
from typing import Any

from gitsync.model.enums import HookDeletePolicy, ResultCode
from gitsync.sync import actions
from gitsync.sync.context import StepContext, describe
from gitsync.sync.options import PruneMode
from gitsync.sync.progress import task_progress
from gitsync.sync.reads import UNREAD, Live, Unread
from gitsync.sync.state import TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.tracking import HOOK_FINALIZER
from gitsync.sync.writes import apply_one, deletes, prune_one, trusts_cache


class WaveOutcome(Enum):
    """How far a wave got in this step."""

    DONE = "done"
    PENDING = "pending"  # waits for something outside the step (deletion, approval)
    FAILED = "failed"


def refresh(ctx: StepContext) -> None:
    """Judge every running task again on its live object."""
    running = [t for t in ctx.tasks if ctx.status(t) is TaskStatus.RUNNING]
    results = [ctx.result(t) for t in running]
    versions = [
        r.resource_version if r is not None and not t.prune else ""
        for t, r in zip(running, results, strict=True)
    ]
    lives = ctx.reader.lives_after(running, versions)
    for task, found, live in zip(running, results, lives, strict=True):
        assert found is not None
        progress = task_progress(task, live)
        message = progress.message
        if task.prune and progress.status is TaskStatus.SUCCEEDED:
            message = found.written or "pruned"
        elif not task.hook and progress.status is TaskStatus.SUCCEEDED and found.written:
            message = found.written  # "created"/"configured"/"unchanged", not the wait
        found.update(progress.status, message)


def release_finalizers(ctx: StepContext) -> None:
    """Let finished hooks go: their result has been read."""
    done = [
        t
        for t in ctx.tasks
        if t.hook
        and (r := ctx.result(t)) is not None
        and r.status.completed
        and not r.finalizer_released
        and r.result is ResultCode.SYNCED
    ]

    def release(task: Task) -> None:
        ctx.port.remove_finalizer(
            task.api_version, task.kind, task.namespace, task.name, HOOK_FINALIZER
        )

    ctx.map(release, done)
    for task in done:
        found = ctx.result(task)
        assert found is not None
        found.finalizer_released = True


def run_wave(ctx: StepContext, tasks: Sequence[Task]) -> WaveOutcome:
    """Write the tasks of one (phase, wave) as far as this step can."""
    prunes = [t for t in tasks if t.prune]
    writes = [t for t in tasks if not t.prune]
    unconfirmed = _unconfirmed_prunes(ctx, prunes)
    if unconfirmed:
        ctx.state.message = (
            f"waiting for pruning confirmation of {describe(unconfirmed)} "
            "(annotate with argocd.argoproj.io/deletion-approved)"
        )
        return WaveOutcome.PENDING
    deleting = [t for t in prunes if deletes(ctx, t)]
    lives = ctx.reader.lives(deleting)
    reads: dict[int, Live | Unread] = dict(zip(map(id, deleting), lives, strict=True))
    ctx.map(lambda t: prune_one(ctx, t, reads.get(id(t), UNREAD)), prunes)
    if any(ctx.status(t) is TaskStatus.FAILED for t in prunes):
        return WaveOutcome.FAILED
    deleting = _delete_before_creation(ctx, writes)
    if deleting:
        ctx.state.message = f"waiting for deletion of hook {describe(deleting)}"
        return WaveOutcome.PENDING
    for _, group in groupby(writes, key=lambda t: (t.group, t.kind)):
        batch = list(group)
        # read just before the group is written: an earlier group may change them
        lives = ctx.reader.lives_to_apply(batch, cacheable=trusts_cache)
        ctx.map(lambda pair: apply_one(ctx, *pair), list(zip(batch, lives, strict=True)))
        if any(ctx.status(t) is TaskStatus.FAILED for t in batch):
            return WaveOutcome.FAILED
    return WaveOutcome.DONE


def _unconfirmed_prunes(ctx: StepContext, prunes: Sequence[Task]) -> list[Task]:
    if not ctx.settings.prune or ctx.settings.dry_run:
        return []
    needs = [t for t in prunes if t.options.prune is PruneMode.CONFIRM]
    lives = ctx.reader.lives_or_raise(needs)
    return [
        t
        for t, live in zip(needs, lives, strict=True)
        if live is not None and not actions.deletion_approved(live)
    ]


def _delete_before_creation(ctx: StepContext, writes: Sequence[Task]) -> list[Task]:
    """Delete existing hooks with BeforeHookCreation; the ones still present wait."""
    hooks = [t for t in writes if t.has_policy(HookDeletePolicy.BEFORE_HOOK_CREATION)]
    lives = ctx.reader.lives_or_raise(hooks)
    present = [(t, live) for t, live in zip(hooks, lives, strict=True) if live is not None]

    def delete(pair: tuple[Task, dict[str, Any]]) -> None:
        actions.delete_hook(ctx.port, pair[0], pair[1])

    ctx.map(delete, present)
    return [t for t, _ in present]
