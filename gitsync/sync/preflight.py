"""The pre-flight of an operation: every write checked before the first real one, by a
server dry run or, where the policy finds it as good, the cluster's schema
(`schemapreflight`, docs/preflight.md).

A failed pre-flight is run again only when every failure was transient, a bounded
number of times, after a growing backoff (`schedule_retry` records when; nothing here
sleeps). An app whose render came out empty is never pruned empty without allowEmpty.
"""

from __future__ import annotations

from typing import Any

from gitsync.errors import ConflictError, KubeError, NotFoundError, UnavailableError
from gitsync.model.enums import OperationPhase
from gitsync.sync import actions
from gitsync.sync.changes import Action
from gitsync.sync.context import StepContext
from gitsync.sync.kinds import CRD_GROUP, CRD_KIND
from gitsync.sync.reads import Unread
from gitsync.sync.schemapreflight import PlanPreflight
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState, TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.writes import shared_with, would_skip

# Pre-flight failures: task id -> (message, whether the error was transient).
Failures = dict[str, tuple[str, bool]]


def is_transient(err: KubeError) -> bool:
    """409 conflicts, 429, 5xx and lost connections: worth another try shortly."""
    return isinstance(err, UnavailableError | ConflictError)


def schedule_retry(
    state: OperationState, settings: SyncSettings, now: float, failures: Failures
) -> bool:
    """Whether to run the pre-flight again later; if so, `state` holds when and why."""
    if not failures or not all(transient for _, transient in failures.values()):
        return False
    if state.preflight_attempts >= settings.preflight_retries:
        return False
    state.preflight_attempts += 1
    delay = settings.preflight_delay(state.preflight_attempts)
    state.next_attempt_at = now + delay
    first = next(iter(failures.values()))[0]
    state.message = (
        f"pre-flight: retrying in {delay:.0f}s (attempt {state.preflight_attempts} of "
        f"{settings.preflight_retries}) after a transient error: {first}"
    )
    return True


def refuse_empty_prune(ctx: StepContext) -> bool:
    """Pruning every resource of an app needs allowEmpty: True when refused (and ended)."""
    prunes = [t for t in ctx.main if t.prune]
    settings = ctx.settings
    if not (settings.prune and prunes and ctx.plan.desired_count == 0):
        return False
    if settings.allow_empty:
        return False
    message = "not pruned: the app would be left empty (allowEmpty is not set)"
    for task in prunes:
        ctx.record(task, Action.PRUNE_SKIPPED, TaskStatus.SUCCEEDED, message)
    ctx.finish(
        OperationPhase.FAILED,
        f"refusing to prune all {len(prunes)} resources of {ctx.state.app}: "
        "the rendered manifests are empty and allowEmpty is not set",
    )
    return True


def run_preflight(ctx: StepContext) -> Failures:
    """Dry-run every write: task id -> (why it failed, whether the error was transient).
    A transient error before any dry run (reading the kinds or the live objects) counts
    for every write."""
    try:
        return _dry_run_writes(ctx)
    except KubeError as err:
        if not is_transient(err):
            raise
        return {t.id: (str(err), True) for t in ctx.tasks if not t.prune}


def record_preflight(ctx: StepContext, failures: Failures) -> bool:
    """Record the pre-flight's failures on their tasks; True if there were none."""
    for task in ctx.tasks:
        failure = failures.get(task.id)
        if failure is not None:
            ctx.record(task, Action.FAILED, TaskStatus.FAILED, failure[0])
    return not failures


def _needs_live(task: Task) -> bool:
    """Whether the pre-flight must read this task's live object even on its own."""
    return task.hook or task.options.replace or task.options.fail_on_shared_resource


def _schema_checks(ctx: StepContext) -> PlanPreflight | None:
    preflight = ctx.preflight() if ctx.preflight is not None else None
    return None if preflight is None else preflight.for_plan(ctx.tasks)


def _dry_run_writes(ctx: StepContext) -> Failures:
    crd_kinds = {
        (spec.get("group"), (spec.get("names") or {}).get("kind"))
        for t in ctx.tasks
        if t.kind == CRD_KIND and t.group == CRD_GROUP
        for spec in [t.obj.get("spec") or {}]
    }
    new_namespaces = {t.name for t in ctx.tasks if t.kind == "Namespace" and t.group == ""}
    writes = [t for t in ctx.tasks if not t.prune]
    scopes: dict[tuple[str, str], bool | None] = {}
    for task in writes:
        if (task.api_version, task.kind) not in scopes:
            scopes[(task.api_version, task.kind)] = ctx.port.namespaced(task.api_version, task.kind)
    served = [t for t in writes if scopes[(t.api_version, t.kind)] is not None]
    # The live object is needed by hooks, Replace and FailOnSharedResource; for the
    # others it is read only where one LIST covers several objects, so that objects
    # already as desired skip the dry run without costing a request each.
    lives = dict(zip(map(id, served), ctx.reader.lives(served, _needs_live), strict=True))
    checks = _schema_checks(ctx)

    def check(task: Task) -> tuple[str, bool] | None:
        if scopes[(task.api_version, task.kind)] is None:
            if task.options.skip_dry_run_on_missing_resource or (
                (task.group, task.kind) in crd_kinds
            ):
                return None
            return f"the server does not serve {task.kind} ({task.api_version})", False
        try:
            read = lives[id(task)]
            if isinstance(read, KubeError):
                raise read
            live: dict[str, Any] | None = None if isinstance(read, Unread) else read
            live_known = not isinstance(read, Unread)
            if not live_known and checks is not None:
                live_known, live = checks.known(task)
            shared = shared_with(ctx, task, live)
            if shared:
                return shared, False
            if task.hook and live is not None:
                return None  # it is deleted or left alone before the real write
            if would_skip(ctx, task, live):
                return None  # the real write is skipped too: nothing to validate
            if checks is not None:
                verdict = checks.check(task, live, live_known=live_known)
                if not verdict.dry_run:
                    return None if verdict.error is None else (verdict.error, False)
            actions.write(ctx.port, task, live, dry_run=True)
        except NotFoundError as err:
            if task.namespace and task.namespace in new_namespaces:
                return None  # its namespace is created by this sync
            return str(err), False
        except KubeError as err:
            return str(err), is_transient(err)
        return None

    found = ctx.map(check, writes)
    return {t.id: f for t, f in zip(writes, found, strict=True) if f is not None}
