"""One task's write in a step: apply (or skip) a desired object, prune a live one, and
record what happened on the task."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gitsync.diff import apply_is_noop
from gitsync.errors import KubeError
from gitsync.sync import actions
from gitsync.sync.changes import Action
from gitsync.sync.context import StepContext
from gitsync.sync.ignored import respect_ignored
from gitsync.sync.kinds import CRD_GROUP, CRD_KIND
from gitsync.sync.options import PruneMode
from gitsync.sync.reads import UNREAD, Live, Unread
from gitsync.sync.state import TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.tracking import owner_app


def shared_with(ctx: StepContext, task: Task, live: dict[str, Any] | None) -> str | None:
    """Why the write is refused under FailOnSharedResource (another app owns the object)."""
    if live is None or not task.options.fail_on_shared_resource:
        return None
    owner = owner_app(live)
    if owner is not None and owner != ctx.state.app:
        return f"{task.key} is already managed by app {owner} (FailOnSharedResource)"
    return None


def desired(ctx: StepContext, task: Task, live: dict[str, Any] | None) -> Task:
    """The task as written: with RespectIgnoreDifferences, ignored fields keep their
    live values."""
    if not task.options.respect_ignore_differences:
        return task
    obj = respect_ignored(task.obj, live, task.key, ctx.settings.ignore_differences)
    return replace(task, obj=obj)


def unchanged(ctx: StepContext, task: Task, live: dict[str, Any]) -> bool:
    """Would writing the task change nothing? A field gitsync applied before and no
    longer sets counts as a change: server-side apply would remove it."""
    return apply_is_noop(task.obj, live, ctx.settings.field_manager)


def would_skip(ctx: StepContext, task: Task, live: dict[str, Any] | None) -> bool:
    """True when `apply_one` would find nothing to write for this live object."""
    if task.hook or live is None:
        return False
    return unchanged(ctx, desired(ctx, task, live), live)


def trusts_cache(task: Task) -> bool:
    """Whether the watch cache's copy (or its absence) may stand for the live object before
    the task's apply. The cache holds only objects carrying the tracking label, so these
    read from the server: a hook; Replace and Force, which create, replace or re-create
    by what exists; RespectIgnoreDifferences, which keeps live values; and
    FailOnSharedResource, which must see another owner's annotation on an object
    without gitsync's label."""
    opts = task.options
    return not (
        task.hook
        or opts.replace
        or opts.force
        or opts.respect_ignore_differences
        or opts.fail_on_shared_resource
    )


def apply_one(ctx: StepContext, task: Task, read: Live | Unread = UNREAD) -> None:
    try:
        live = ctx.reader.resolve(task, read)
        shared = shared_with(ctx, task, live)
        if shared:
            ctx.record(task, Action.FAILED, TaskStatus.FAILED, shared)
            return
        task = desired(ctx, task, live)
        if not task.hook and live is not None and unchanged(ctx, task, live):
            ctx.record(task, Action.UNCHANGED, TaskStatus.RUNNING).resource_version = _version(live)
            return
        action, written = actions.write_object(ctx.port, task, live, dry_run=False)
        if task.kind == CRD_KIND and task.group == CRD_GROUP:
            actions.wait_for_crd(ctx.port, task, ctx.settings.crd_ready_timeout)
        ctx.record(task, action, TaskStatus.RUNNING).resource_version = _version(written)
    except KubeError as err:
        ctx.record(task, Action.FAILED, TaskStatus.FAILED, str(err))


def _version(obj: dict[str, Any] | None) -> str:
    meta = (obj or {}).get("metadata")
    return str(meta.get("resourceVersion") or "") if isinstance(meta, dict) else ""


def deletes(ctx: StepContext, task: Task) -> bool:
    """Whether `prune_one` goes as far as reading and deleting the live object."""
    settings = ctx.settings
    return settings.prune and not settings.dry_run and task.options.prune is not PruneMode.DISABLED


def prune_one(ctx: StepContext, task: Task, read: Live | Unread = UNREAD) -> None:
    skipped = TaskStatus.SUCCEEDED
    if not ctx.settings.prune:
        ctx.record(task, Action.PRUNE_SKIPPED, skipped, "requires pruning")
        return
    if task.options.prune is PruneMode.DISABLED:
        ctx.record(task, Action.PRUNE_SKIPPED, skipped, "ignored (no prune)")
        return
    if ctx.settings.dry_run:
        ctx.record(task, Action.PRUNED, TaskStatus.SUCCEEDED, "pruned (dry run)")
        return
    try:
        live = ctx.reader.resolve(task, read)
        if live is None:
            ctx.record(task, Action.PRUNED, TaskStatus.SUCCEEDED, "pruned (already gone)")
            return
        if owner_app(live) != ctx.state.app:
            message = "not pruned: no longer tracked by this app"
            ctx.record(task, Action.PRUNE_SKIPPED, skipped, message)
            return
        if not actions.is_deleting(live):
            ctx.port.delete(
                task.api_version,
                task.kind,
                task.namespace,
                task.name,
                propagation=task.options.prune_propagation.value,
            )
        ctx.record(task, Action.PRUNED, TaskStatus.RUNNING)
    except KubeError as err:
        ctx.record(task, Action.FAILED, TaskStatus.FAILED, str(err))
