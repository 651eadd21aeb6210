"""The re-entrant sync operation: one `step` advances as far as it can without waiting.

The caller (the CLI's runner now, the controller later) calls `step` again until the
state is terminal, persisting the state in between, so a killed process resumes where
it stopped. The flow follows gitops-engine's sync context: dry-run pre-flight once,
then per step: refresh running tasks, wait while any runs, fail (and run SyncFail hooks)
if one failed, else run the next (phase, wave): prunes, BeforeHookCreation deletions,
then applies, one kind group after another, each group concurrently.

Live objects are read with one LIST per (apiVersion, kind, namespace) where several tasks
share one, else with a GET each. Every write is dry-run before the first real one, except
for objects already as desired, whose real write is skipped as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from enum import Enum
from itertools import groupby
from typing import Any, TypeVar

from gitsync.diff import apply_is_noop
from gitsync.errors import GitsyncError, KubeError, NotFoundError
from gitsync.model.enums import HookDeletePolicy, OperationPhase, ResultCode, SyncPhase
from gitsync.model.keys import ResourceKey
from gitsync.sync import actions
from gitsync.sync.ignored import respect_ignored
from gitsync.sync.kinds import CRD_GROUP, CRD_KIND
from gitsync.sync.plan import Plan
from gitsync.sync.port import ClusterPort
from gitsync.sync.preflight import Failures, is_transient, schedule_retry
from gitsync.sync.progress import task_progress
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState, TaskResult, TaskStatus
from gitsync.sync.task import Task, TaskType
from gitsync.sync.tracking import HOOK_FINALIZER, owner_app

T = TypeVar("T")
R = TypeVar("R")

# A read of one task's live object: the object, None when it does not exist, or the error
# reading it (recorded on the task where a failed GET was recorded before).
Live = dict[str, Any] | None | KubeError


class _Unread(Enum):
    UNREAD = "unread"


UNREAD = _Unread.UNREAD

# One LIST answers for every object of a kind in a namespace; from this many tasks of one
# (apiVersion, kind, namespace) it is cheaper than a GET each.
LIST_FROM = 3


class _Wave(Enum):
    DONE = "done"
    PENDING = "pending"
    FAILED = "failed"


def new_operation(plan: Plan, settings: SyncSettings) -> OperationState:
    """A fresh operation for `plan` (its settings carry app, revision and start time)."""
    return OperationState(
        app=plan.settings.app,
        revision=plan.settings.revision,
        fingerprint=plan.fingerprint,
        started_at=plan.settings.started_at,
        dry_run=settings.dry_run,
        prune=settings.prune,
    )


def step(
    plan: Plan,
    state: OperationState,
    port: ClusterPort,
    settings: SyncSettings,
    *,
    now: float | None = None,
    executor: Executor | None = None,
) -> OperationState:
    """Advance `state` (changed in place and returned) as far as possible without waiting.

    `plan` must be built with ``started_at == state.started_at`` so generated hook names
    match. Cluster errors outside a single task's write end the operation in Error.
    """
    if state.terminal:
        return state
    clock = time.time() if now is None else now
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(settings.workers, 1))
    try:
        _Step(plan, state, port, settings, clock, pool).advance()
    except GitsyncError as err:
        state.phase = OperationPhase.ERROR.value
        state.message = str(err)
        state.finished_at = clock
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    return state


def _ghost_prune(result: TaskResult) -> Task:
    """A prune task recorded earlier whose object has since left the live set."""
    api_version = f"{result.group}/{result.version}" if result.group else result.version
    return Task(
        type=TaskType.PRUNE,
        phase=SyncPhase(result.phase),
        wave=result.wave,
        key=ResourceKey(result.group, result.kind, result.namespace, result.name),
        api_version=api_version,
        obj={},
    )


def _reason(task: Task, message: str) -> str:
    """``Kind/namespace/name: message``, naming the resource once (API errors name it)."""
    key = str(task.key)
    return message if message.startswith(key) else f"{key}: {message}"


def _names(tasks: Sequence[Task]) -> str:
    first = str(tasks[0].key)
    return first if len(tasks) == 1 else f"{first} and {len(tasks) - 1} more"


class _Step:
    def __init__(
        self,
        plan: Plan,
        state: OperationState,
        port: ClusterPort,
        settings: SyncSettings,
        now: float,
        pool: Executor,
    ) -> None:
        self.plan = plan
        self.state = state
        self.port = port
        self.settings = settings
        self.now = now
        self.pool = pool
        self.order = {t.id: i for i, t in enumerate(plan.tasks)}
        known = set(self.order)
        ghosts = [_ghost_prune(r) for r in state.results.values() if r.prune and r.id not in known]
        self.tasks = [*plan.tasks, *ghosts]
        self.main = [t for t in self.tasks if t.phase is not SyncPhase.SYNC_FAIL]
        self.sync_fail = [t for t in self.tasks if t.phase is SyncPhase.SYNC_FAIL]

    # ----------------------------------------------------------------- bookkeeping
    def result(self, task: Task) -> TaskResult | None:
        return self.state.results.get(task.id)

    def record(
        self, task: Task, code: ResultCode | str, status: TaskStatus, message: str
    ) -> TaskResult:
        found = self.state.results.get(task.id)
        if found is None:
            found = TaskResult.for_task(task, self.order.get(task.id, len(self.order)))
            self.state.results[task.id] = found
        found.set(code, status, message)
        found.written = message
        return found

    def status(self, task: Task) -> TaskStatus | None:
        found = self.result(task)
        return found.task_status if found else None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if len(items) <= 1:
            return [fn(item) for item in items]
        return list(self.pool.map(fn, items))

    def get(self, task: Task) -> dict[str, Any] | None:
        return self.port.get(task.api_version, task.kind, task.namespace, task.name)

    def read(self, task: Task) -> Live:
        try:
            return self.get(task)
        except KubeError as err:
            return err

    def lives(
        self, tasks: Sequence[Task], single: Callable[[Task], bool] | None = None
    ) -> list[Live | _Unread]:
        """The live object of each task: one LIST per (apiVersion, kind, namespace) with at
        least LIST_FROM tasks, a GET for each of the others (only those `single` accepts,
        when given; the rest stay UNREAD). A failed read is returned, not raised."""
        groups: dict[tuple[str, str, str], list[int]] = {}
        for index, task in enumerate(tasks):
            groups.setdefault((task.api_version, task.kind, task.namespace), []).append(index)
        batches = [(key, idx) for key, idx in groups.items() if len(idx) >= LIST_FROM]

        def listed(batch: tuple[tuple[str, str, str], list[int]]) -> dict[str, Any]:
            (api_version, kind, namespace), idx = batch
            try:
                return self.port.list_live(
                    api_version, kind, namespace, [tasks[i].name for i in idx], self.state.app
                )
            except KubeError:
                return {}  # read each one, so a failure lands on its own task

        found: dict[int, Live | _Unread] = {}
        for (_, idx), answer in zip(batches, self.map(listed, batches), strict=True):
            for index in idx:
                if tasks[index].name in answer:
                    found[index] = answer[tasks[index].name]
        rest = [i for i in range(len(tasks)) if i not in found]
        if single is not None:
            rest = [i for i in rest if single(tasks[i])]
        for index, live in zip(rest, self.map(self.read, [tasks[i] for i in rest]), strict=True):
            found[index] = live
        return [found.get(i, UNREAD) for i in range(len(tasks))]

    def lives_or_raise(self, tasks: Sequence[Task]) -> list[dict[str, Any] | None]:
        """`lives`, raising the first failed read (where a failed GET ended the step)."""
        result: list[dict[str, Any] | None] = []
        for live in self.lives(tasks):
            if isinstance(live, KubeError):
                raise live
            assert not isinstance(live, _Unread)
            result.append(live)
        return result

    # ----------------------------------------------------------------- the step
    def advance(self) -> None:
        state = self.state
        if state.next_attempt_at > self.now:
            if not state.preflight_attempts:  # a pre-flight retry keeps its own message
                wait = state.next_attempt_at - self.now
                state.message = f"retrying in {wait:.0f}s (attempt {state.retry_count})"
            return
        if not state.preflight_done:
            if self.refuse_empty_prune():
                return
            failures = self.preflight()
            if schedule_retry(state, self.settings, self.now, failures):
                return
            ok = self.record_preflight(failures)
            state.preflight_done = True
            if self.settings.dry_run:
                self.finish_dry_run(ok)
                return
            if not ok:
                self.fail("one or more objects failed to apply (dry run)")
                return
        self.refresh()
        multi = self.multi_step()
        running = [
            t
            for t in self.tasks
            if self.status(t) is TaskStatus.RUNNING and (multi or t.hook or t.prune)
        ]
        if running:
            self.set_waiting(running)
            return
        self.release_finalizers()
        if state.failing or any(
            (s := self.status(t)) is not None and not s.successful for t in self.main
        ):
            self.fail(state.failing or "one or more synchronization tasks completed unsuccessfully")
            return
        pending = [t for t in self.main if self.result(t) is None]
        if not pending:
            self.succeed()
            return
        phase, wave = pending[0].phase, pending[0].wave
        if self.now < state.next_wave_at:
            state.message = f"pausing before {phase} wave {wave}"
            return
        current = [t for t in pending if (t.phase, t.wave) == (phase, wave)]
        remaining = [t for t in pending if (t.phase, t.wave) != (phase, wave) or t.hook]
        state.message = f"{phase} wave {wave}: applying {len(current)} task(s)"
        outcome = self.run_wave(current)
        if outcome is _Wave.FAILED:
            self.fail("one or more objects failed to apply")
        elif outcome is _Wave.DONE:
            if remaining:
                state.next_wave_at = self.now + self.settings.wave_delay
                state.message = f"{phase} wave {wave} applied"
            elif self.multi_step():
                # In a multi-step sync the last wave gates on health too: the next step
                # finds its tasks running and succeeds once they are healthy.
                state.message = f"{phase} wave {wave} applied"
            else:
                self.succeed()

    def multi_step(self) -> bool:
        steps = {(t.phase, t.wave) for t in self.main}
        return len(steps) > 1

    def set_waiting(self, running: Sequence[Task]) -> None:
        first = running[0]
        if first.prune:
            what = "deletion of"
        elif first.hook:
            what = "completion of hook"
        else:
            what = "healthy state of"
        self.state.message = f"waiting for {what} {_names(running)}"

    # ----------------------------------------------------------------- pre-flight
    def refuse_empty_prune(self) -> bool:
        """Pruning every resource of an app needs allowEmpty."""
        prunes = [t for t in self.main if t.prune]
        if not (self.settings.prune and prunes and self.plan.desired_count == 0):
            return False
        if self.settings.allow_empty:
            return False
        message = "not pruned: the app would be left empty (allowEmpty is not set)"
        for task in prunes:
            self.record(task, ResultCode.PRUNE_SKIPPED, TaskStatus.SUCCEEDED, message)
        self.finish(
            OperationPhase.FAILED,
            f"refusing to prune all {len(prunes)} resources of {self.state.app}: "
            "the rendered manifests are empty and allowEmpty is not set",
        )
        return True

    def record_preflight(self, failures: Failures) -> bool:
        """Record the pre-flight's failures on their tasks; True if there were none."""
        for task in self.tasks:
            failure = failures.get(task.id)
            if failure is not None:
                self.record(task, ResultCode.SYNC_FAILED, TaskStatus.FAILED, failure[0])
        return not failures

    def preflight(self) -> Failures:
        """Dry-run every write before the first real one: task id -> (why it failed,
        whether the error was transient). A transient error before any dry run (reading
        the kinds or the live objects) counts for every write."""
        try:
            return self.dry_run_writes()
        except KubeError as err:
            if not is_transient(err):
                raise
            return {t.id: (str(err), True) for t in self.tasks if not t.prune}

    def dry_run_writes(self) -> Failures:
        crd_kinds = {
            (spec.get("group"), (spec.get("names") or {}).get("kind"))
            for t in self.tasks
            if t.kind == CRD_KIND and t.group == CRD_GROUP
            for spec in [t.obj.get("spec") or {}]
        }
        new_namespaces = {t.name for t in self.tasks if t.kind == "Namespace" and t.group == ""}
        writes = [t for t in self.tasks if not t.prune]
        scopes: dict[tuple[str, str], bool | None] = {}
        for task in writes:
            if (task.api_version, task.kind) not in scopes:
                scopes[(task.api_version, task.kind)] = self.port.namespaced(
                    task.api_version, task.kind
                )
        served = [t for t in writes if scopes[(t.api_version, t.kind)] is not None]
        # The live object is needed by hooks, Replace and FailOnSharedResource; for the
        # others it is read only where one LIST covers several objects, so that objects
        # already as desired skip the dry run without costing a request each.
        lives = dict(zip(map(id, served), self.lives(served, self.needs_live), strict=True))

        def check(task: Task) -> tuple[str, bool] | None:
            if scopes[(task.api_version, task.kind)] is None:
                if task.sync_options.is_set("SkipDryRunOnMissingResource") or (
                    (task.group, task.kind) in crd_kinds
                ):
                    return None
                return f"the server does not serve {task.kind} ({task.api_version})", False
            try:
                read = lives[id(task)]
                if isinstance(read, KubeError):
                    raise read
                live = None if isinstance(read, _Unread) else read
                shared = self.shared_with(task, live)
                if shared:
                    return shared, False
                if task.hook and live is not None:
                    return None  # it is deleted or left alone before the real write
                if self.would_skip(task, live):
                    return None  # the real write is skipped too: nothing to validate
                actions.write(self.port, task, live, dry_run=True)
            except NotFoundError as err:
                if task.namespace and task.namespace in new_namespaces:
                    return None  # its namespace is created by this sync
                return str(err), False
            except KubeError as err:
                return str(err), is_transient(err)
            return None

        found = self.map(check, writes)
        return {t.id: f for t, f in zip(writes, found, strict=True) if f is not None}

    def checks_sharing(self, task: Task) -> bool:
        return task.sync_options.is_set("FailOnSharedResource")

    def needs_live(self, task: Task) -> bool:
        """Whether the pre-flight must read this task's live object even on its own."""
        return task.hook or task.sync_options.is_set("Replace") or self.checks_sharing(task)

    def shared_with(self, task: Task, live: dict[str, Any] | None) -> str | None:
        if live is None or not self.checks_sharing(task):
            return None
        owner = owner_app(live)
        if owner is not None and owner != self.state.app:
            return f"{task.key} is already managed by app {owner} (FailOnSharedResource)"
        return None

    def finish_dry_run(self, ok: bool) -> None:
        for task in self.main:
            if self.result(task) is not None:
                continue
            if task.prune:
                self.prune_one(task)
            else:
                self.record(task, ResultCode.SYNCED, TaskStatus.SUCCEEDED, "validated (dry run)")
        if ok:
            self.finish(OperationPhase.SUCCEEDED, "dry run: every object validated")
        else:
            self.finish(OperationPhase.FAILED, self.failure_message("dry run failed"))

    # ----------------------------------------------------------------- refresh
    def refresh(self) -> None:
        running = [t for t in self.tasks if self.status(t) is TaskStatus.RUNNING]
        lives = self.lives_or_raise(running)
        for task, live in zip(running, lives, strict=True):
            found = self.result(task)
            assert found is not None
            progress = task_progress(task, live)
            message = progress.message
            if task.prune and progress.status is TaskStatus.SUCCEEDED:
                message = found.written or "pruned"
            elif not task.hook and progress.status is TaskStatus.SUCCEEDED and found.written:
                message = found.written  # "created"/"configured"/"unchanged", not the wait
            found.set(found.result, progress.status, message)

    def release_finalizers(self) -> None:
        done = [
            t
            for t in self.tasks
            if t.hook
            and (r := self.result(t)) is not None
            and r.task_status.completed
            and not r.finalizer_released
            and r.result == ResultCode.SYNCED
        ]

        def release(task: Task) -> None:
            self.port.remove_finalizer(
                task.api_version, task.kind, task.namespace, task.name, HOOK_FINALIZER
            )

        self.map(release, done)
        for task in done:
            found = self.result(task)
            assert found is not None
            found.finalizer_released = True

    # ----------------------------------------------------------------- waves
    def run_wave(self, tasks: Sequence[Task]) -> _Wave:
        prunes = [t for t in tasks if t.prune]
        writes = [t for t in tasks if not t.prune]
        unconfirmed = self.unconfirmed_prunes(prunes)
        if unconfirmed:
            self.state.message = (
                f"waiting for pruning confirmation of {_names(unconfirmed)} "
                "(annotate with argocd.argoproj.io/deletion-approved)"
            )
            return _Wave.PENDING
        deleting = [t for t in prunes if self.deletes(t)]
        lives = self.lives(deleting)
        reads: dict[int, Live | _Unread] = dict(zip(map(id, deleting), lives, strict=True))
        self.map(lambda t: self.prune_one(t, reads.get(id(t), UNREAD)), prunes)
        if any(self.status(t) is TaskStatus.FAILED for t in prunes):
            return _Wave.FAILED
        deleting = self.delete_before_creation(writes)
        if deleting:
            self.state.message = f"waiting for deletion of hook {_names(deleting)}"
            return _Wave.PENDING
        for _, group in groupby(writes, key=lambda t: (t.group, t.kind)):
            batch = list(group)
            # read just before the group is written: an earlier group may change them
            lives = self.lives(batch)
            self.map(lambda pair: self.apply_one(*pair), list(zip(batch, lives, strict=True)))
            if any(self.status(t) is TaskStatus.FAILED for t in batch):
                return _Wave.FAILED
        return _Wave.DONE

    def unconfirmed_prunes(self, prunes: Sequence[Task]) -> list[Task]:
        if not self.settings.prune or self.settings.dry_run:
            return []
        needs = [t for t in prunes if (t.sync_options.get("Prune") or "").lower() == "confirm"]
        lives = self.lives_or_raise(needs)
        return [
            t
            for t, live in zip(needs, lives, strict=True)
            if live is not None and not actions.deletion_approved(live)
        ]

    def deletes(self, task: Task) -> bool:
        """Whether `prune_one` goes as far as reading and deleting the live object."""
        return (
            self.settings.prune
            and not self.settings.dry_run
            and not task.sync_options.is_set("Prune", "false")
        )

    def prune_one(self, task: Task, read: Live | _Unread = UNREAD) -> None:
        if not self.settings.prune:
            self.record(task, ResultCode.PRUNE_SKIPPED, TaskStatus.SUCCEEDED, "requires pruning")
            return
        if task.sync_options.is_set("Prune", "false"):
            self.record(task, ResultCode.PRUNE_SKIPPED, TaskStatus.SUCCEEDED, "ignored (no prune)")
            return
        if self.settings.dry_run:
            self.record(task, ResultCode.PRUNED, TaskStatus.SUCCEEDED, "pruned (dry run)")
            return
        try:
            if isinstance(read, KubeError):
                raise read
            live = self.get(task) if isinstance(read, _Unread) else read
            if live is None:
                self.record(task, ResultCode.PRUNED, TaskStatus.SUCCEEDED, "pruned (already gone)")
                return
            if owner_app(live) != self.state.app:
                message = "not pruned: no longer tracked by this app"
                self.record(task, ResultCode.PRUNE_SKIPPED, TaskStatus.SUCCEEDED, message)
                return
            if not actions.is_deleting(live):
                self.port.delete(
                    task.api_version,
                    task.kind,
                    task.namespace,
                    task.name,
                    propagation=actions.prune_propagation(task),
                )
            self.record(task, ResultCode.PRUNED, TaskStatus.RUNNING, "pruned")
        except KubeError as err:
            self.record(task, ResultCode.SYNC_FAILED, TaskStatus.FAILED, str(err))

    def delete_before_creation(self, writes: Sequence[Task]) -> list[Task]:
        """Delete existing hooks with BeforeHookCreation; the ones still present wait."""
        hooks = [t for t in writes if t.has_policy(HookDeletePolicy.BEFORE_HOOK_CREATION)]
        lives = self.lives_or_raise(hooks)
        present = [(t, live) for t, live in zip(hooks, lives, strict=True) if live is not None]

        def delete(pair: tuple[Task, dict[str, Any]]) -> None:
            actions.delete_hook(self.port, pair[0], pair[1])

        self.map(delete, present)
        return [t for t, _ in present]

    def apply_one(self, task: Task, read: Live | _Unread = UNREAD) -> None:
        try:
            if isinstance(read, KubeError):
                raise read
            live = self.get(task) if isinstance(read, _Unread) else read
            shared = self.shared_with(task, live)
            if shared:
                self.record(task, ResultCode.SYNC_FAILED, TaskStatus.FAILED, shared)
                return
            task = self.desired(task, live)
            if not task.hook and live is not None and self.unchanged(task, live):
                self.record(task, ResultCode.SYNCED, TaskStatus.RUNNING, "unchanged")
                return
            message = actions.write(self.port, task, live, dry_run=False)
            if task.kind == CRD_KIND and task.group == CRD_GROUP:
                actions.wait_for_crd(self.port, task, self.settings.crd_ready_timeout)
            self.record(task, ResultCode.SYNCED, TaskStatus.RUNNING, message)
        except KubeError as err:
            self.record(task, ResultCode.SYNC_FAILED, TaskStatus.FAILED, str(err))

    def desired(self, task: Task, live: dict[str, Any] | None) -> Task:
        """The task as written: with RespectIgnoreDifferences, ignored fields keep their
        live values."""
        if not task.sync_options.is_set("RespectIgnoreDifferences"):
            return task
        desired = respect_ignored(task.obj, live, task.key, self.settings.ignore_differences)
        return replace(task, obj=desired)

    def would_skip(self, task: Task, live: dict[str, Any] | None) -> bool:
        """True when `apply_one` would find nothing to write for this live object."""
        if task.hook or live is None:
            return False
        return self.unchanged(self.desired(task, live), live)

    def unchanged(self, task: Task, live: dict[str, Any]) -> bool:
        """Would writing the task change nothing? A field gitsync applied before and no
        longer sets counts as a change: server-side apply would remove it."""
        return apply_is_noop(task.obj, live, self.settings.field_manager)

    # ----------------------------------------------------------------- endings
    def delete_hooks(self, policy: HookDeletePolicy) -> None:
        """Deletion follows the outcome of the whole operation, not of each hook."""
        due = [
            t
            for t in self.tasks
            if t.has_policy(policy)
            and (r := self.result(t)) is not None
            and r.task_status.completed
            and r.result == ResultCode.SYNCED
            and not r.deleted
        ]

        def delete(task: Task) -> None:
            try:
                actions.delete_hook(self.port, task)
            except KubeError as err:
                found = self.result(task)
                assert found is not None
                found.message = f"{found.message}; failed to delete: {err}"

        self.map(delete, due)
        for task in due:
            found = self.result(task)
            assert found is not None
            found.deleted = True

    def fail(self, message: str) -> None:
        state = self.state
        state.failing = state.failing or message
        self.delete_hooks(HookDeletePolicy.HOOK_FAILED)
        unstarted = [t for t in self.sync_fail if self.result(t) is None]
        if not self.sync_fail or (not unstarted and self.all_done(self.sync_fail)):
            self.finish_failed(self.failure_message(state.failing))
            return
        if unstarted:
            outcome = self.run_wave(unstarted)
            if outcome is _Wave.FAILED:
                failed = self.failure_message("one or more SyncFail hooks failed", self.sync_fail)
                self.finish_failed(f"{self.failure_message(state.failing)}; {failed}")
                return
        state.message = f"{state.failing}; running SyncFail hooks"

    def all_done(self, tasks: Iterable[Task]) -> bool:
        return all((s := self.status(t)) is not None and s.completed for t in tasks)

    def failure_message(self, message: str, among: Sequence[Task] | None = None) -> str:
        pool = self.main if among is None else among
        reasons = [
            _reason(t, r.message)
            for t in pool
            if (r := self.result(t)) is not None and r.task_status in _BAD
        ]
        return f"{message}: {'; '.join(reasons)}" if reasons else message

    def finish_failed(self, message: str) -> None:
        retry = self.settings.retry
        state = self.state
        if state.retry_count < retry.limit and not self.settings.dry_run:
            state.retry_count += 1
            delay = retry.delay(state.retry_count)
            state.results = {}
            state.preflight_done = False
            state.preflight_attempts = 0
            state.failing = ""
            state.next_wave_at = 0.0
            state.next_attempt_at = self.now + delay
            state.started_at = int(self.now + delay)
            state.message = (
                f"retrying in {delay:.0f}s (attempt {state.retry_count} of {retry.limit}) "
                f"after: {message}"
            )
            return
        self.finish(OperationPhase.FAILED, message)

    def succeed(self) -> None:
        self.delete_hooks(HookDeletePolicy.HOOK_SUCCEEDED)
        self.finish(OperationPhase.SUCCEEDED, "successfully synced (all tasks run)")

    def finish(self, phase: OperationPhase, message: str) -> None:
        self.state.phase = phase.value
        self.state.message = message
        self.state.finished_at = self.now


_BAD = frozenset({TaskStatus.FAILED, TaskStatus.ERROR})
