"""Runs an operation to its end: step, persist, report, repeat (the CLI's loop, and the
unit a controller calls one step at a time)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gitsync.model.annotations import SyncOptions
from gitsync.model.enums import OperationPhase
from gitsync.model.keys import ResourceKey
from gitsync.model.manifest import Manifest
from gitsync.sync import actions
from gitsync.sync.context import PreflightSource
from gitsync.sync.operation import new_operation, step
from gitsync.sync.plan import Plan, PlanSettings, build_plan
from gitsync.sync.port import ClusterPort
from gitsync.sync.selection import ResourceSelector, narrow, resolve, selectable
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState, TaskResult, TaskStatus
from gitsync.sync.store import OperationStore
from gitsync.sync.tracking import HOOK_FINALIZER


@dataclass(frozen=True)
class SyncRequest:
    """One app to sync: its rendered manifests and where and how to sync them.

    `resources` names the resources of a selective sync (empty: all of them); None
    leaves it to a stored running operation (the one a restarted caller resumes).
    """

    app: str
    manifests: Sequence[Manifest]
    revision: str = ""
    dest_namespace: str = "default"
    sync_options: SyncOptions = field(default_factory=SyncOptions)
    settings: SyncSettings = field(default_factory=SyncSettings)
    resources: tuple[ResourceSelector, ...] | None = None
    # Started by the caller on its own, not asked for: were the process to stop half-way,
    # the caller would start the same sync again and reach the same result. Such an
    # operation is stored only once it has to be (see `SyncRunner.begin`).
    replayable: bool = False


@dataclass(frozen=True)
class SyncEvent:
    """Something a watcher may show: task results that changed, or a new message."""

    state: OperationState
    changed: tuple[TaskResult, ...]
    message_changed: bool


EventSink = Callable[[SyncEvent], None]


class SyncRunner:
    """Starts or resumes an app's operation and steps it, persisting after each step.

    A stored Running operation with the same revision and plan fingerprint is resumed
    (same hook names, finished tasks not repeated); anything else starts a new one.

    A replayable operation of one wave and no hooks is not stored while it goes well:
    stopping half way loses nothing a new start would not redo, as every write it makes
    is an apply of the same objects or a prune, and it ends without waiting on health.
    (One of several waves waits for each wave's health, for minutes maybe: it is stored,
    so a restart and other replicas see it run.) It is stored from the step that fails
    a task or starts a retry (the failure and the retry count change what comes next),
    and at its end only when it failed or added kinds a restart could not find its
    objects by (`searched_kinds` are always searched). Every other operation is stored
    before its first write and after every step that changed something durable.
    """

    def __init__(
        self,
        port: ClusterPort,
        store: OperationStore | None = None,
        *,
        poll_interval: float = 0.25,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        preflight: PreflightSource | None = None,
        searched_kinds: Iterable[tuple[str, str]] = (),
    ) -> None:
        """`preflight`: the schema pre-flight for each operation (None: the server dry
        run of every write). `searched_kinds`: (apiVersion, kind) pairs whose tracked
        objects every plan looks for among the prune candidates, besides the app's
        desired and stored kinds (cheap only where `port.list_tracked` reads a cache)."""
        self.port = port
        self.searched_kinds = frozenset(searched_kinds)
        self._unstored: set[str] = set()  # apps whose replayable operation is not stored
        self.preflight = preflight
        self.store = store
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self._kinds: dict[str, set[tuple[str, str]]] = {}
        # app -> (revision, start, manifests' id) and the plan of its current operation;
        # dropped when the operation ends, so a fleet keeps no plan per idle app
        self._plans: dict[str, tuple[tuple[str, int, int], Plan]] = {}
        self._scope_cache: dict[tuple[str, str], bool | None] = {}
        self._persisted: dict[str, str] = {}  # app -> `_durable_form` of its stored state

    # ----------------------------------------------------------------- planning
    def plan(
        self, request: SyncRequest, started_at: int, selected: Sequence[ResourceKey] = ()
    ) -> Plan:
        """The plan for `request` with hook names for `started_at` and the prune set from
        live, narrowed to the `selected` resources when given."""
        return narrow(self._full_plan(request, started_at), selected)

    def selection(self, request: SyncRequest, started_at: int) -> tuple[ResourceKey, ...]:
        """The resources `request` names (SelectionError when one is not the app's)."""
        if not request.resources:
            return ()
        plan = self._full_plan(request, started_at)
        return resolve(request.resources, selectable(plan), request.app)

    def _full_plan(self, request: SyncRequest, started_at: int) -> Plan:
        cache_key = (request.revision, started_at, id(request.manifests))
        cached = self._plans.get(request.app)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        desired_kinds = {(m.api_version, m.kind) for m in request.manifests}
        kinds = self._kinds.get(request.app, set()) | desired_kinds | self.searched_kinds
        live = self.port.list_tracked(request.app, sorted(kinds))
        settings = PlanSettings(
            app=request.app,
            revision=request.revision,
            started_at=started_at,
            dest_namespace=request.dest_namespace,
            sync_options=request.sync_options,
            scope=self._scope_lookup(request, live),
        )
        plan = build_plan(request.manifests, settings, live)
        self._plans[request.app] = (cache_key, plan)
        return plan

    def _scope_lookup(
        self, request: SyncRequest, live: list[dict[str, Any]]
    ) -> Callable[[str, str], bool | None]:
        versions: dict[tuple[str, str], str] = {}
        for obj in [*(m.obj for m in request.manifests), *live]:
            api_version = str(obj.get("apiVersion") or "")
            group = api_version.rpartition("/")[0]
            versions.setdefault((group, str(obj.get("kind") or "")), api_version)

        def lookup(group: str, kind: str) -> bool | None:
            if (group, kind) not in self._scope_cache:
                api_version = versions.get((group, kind))
                answer = self.port.namespaced(api_version, kind) if api_version else None
                self._scope_cache[(group, kind)] = answer
            return self._scope_cache[(group, kind)]

        return lookup

    # ----------------------------------------------------------------- operation
    def begin(self, request: SyncRequest, *, ended_from: int | None = None) -> OperationState:
        """Resume the stored operation when it is the same one, else start a new one.

        `ended_from`: the start time of an operation the caller saw running; when the
        stored one started then and has ended since, it is given back as it is (the
        caller stopped before recording its end), not started again."""
        stored: OperationState | None = None
        if self.store is not None:
            stored, self._kinds[request.app] = self.store.load(request.app)
        if stored is not None:
            self._persisted[request.app] = _durable_form(stored)
        if stored is not None and stored.terminal and stored.started_at == ended_from:
            return stored
        if stored is not None and not stored.terminal and stored.revision == request.revision:
            selected = stored.selected_keys
            if request.resources is not None:
                selected = self.selection(request, stored.started_at)
            plan = self.plan(request, stored.started_at, selected)
            if plan.fingerprint == stored.fingerprint and stored.dry_run == (
                request.settings.dry_run
            ):
                return stored
        started_at = int(self.clock())
        selected = self.selection(request, started_at)
        if stored is not None and not stored.terminal and not request.settings.dry_run:
            self._abandon(stored)  # a dry run leaves a stored real operation alone
        plan = self.plan(request, started_at, selected)
        state = new_operation(plan, request.settings)
        replayable = (
            request.replayable
            and not any(t.hook for t in plan.tasks)
            # the CreateNamespace namespace (untracked) comes first and is healthy at once
            and len({(t.phase, t.wave) for t in plan.tasks if t.track}) <= 1
        )
        if replayable and (stored is None or stored.terminal):
            self._unstored.add(request.app)
        else:
            self._unstored.discard(request.app)
        self._persist(request, state)
        return state

    def stored(self, app: str) -> bool:
        """Whether the app's current (or last) operation is kept in the store (False
        for a replayable one that went unstored)."""
        return app not in self._unstored

    def step(
        self, request: SyncRequest, state: OperationState, pool: ThreadPoolExecutor | None = None
    ) -> OperationState:
        """One step of `state`, persisted. Safe to call again after a crash."""
        plan = self.plan(request, state.started_at, state.selected_keys)
        step(
            plan,
            state,
            self.port,
            request.settings,
            now=self.clock(),
            executor=pool,
            preflight=self.preflight,
        )
        self._persist(request, state)
        if state.terminal:
            self._plans.pop(request.app, None)
        return state

    def run(
        self,
        request: SyncRequest,
        *,
        timeout: float | None = None,
        on_event: EventSink | None = None,
    ) -> OperationState:
        """Step until the operation ends or `timeout` seconds pass (then it fails)."""
        state = self.begin(request)
        deadline = None if timeout is None else self.clock() + timeout
        seen: dict[str, tuple[str, str, str]] = {}
        last_message: str | None = None
        with ThreadPoolExecutor(max_workers=max(request.settings.workers, 1)) as pool:
            while True:
                before = state.to_json()
                state = self.step(request, state, pool)
                last_message = self._emit(state, seen, last_message, on_event)
                if state.terminal:
                    return state
                if deadline is not None and self.clock() >= deadline:
                    self.terminate(request, state, f"timed out after {timeout:.0f}s")
                    self._emit(state, seen, last_message, on_event)
                    return state
                if state.to_json() == before or state.next_wave_at > self.clock():
                    self.sleep(self._pause(state))

    def _pause(self, state: OperationState) -> float:
        now = self.clock()
        if state.next_attempt_at > now:
            return state.next_attempt_at - now  # nothing happens before a retry starts
        if state.next_wave_at > now:
            return min(self.poll_interval, state.next_wave_at - now)
        return self.poll_interval

    def terminate(self, request: SyncRequest, state: OperationState, message: str) -> None:
        """End a running operation: delete running hooks, release the others, mark Failed."""
        plan = self.plan(request, state.started_at, state.selected_keys)
        for task in plan.tasks:
            found = state.results.get(task.id)
            if not task.hook or found is None or found.finalizer_released:
                continue
            if found.status is TaskStatus.RUNNING:
                actions.delete_hook(self.port, task)
                found.update(TaskStatus.FAILED, f"terminated: {message}")
            else:
                self._release(found)
            found.finalizer_released = True
        state.finish(OperationPhase.FAILED, message, self.clock())
        self._persist(request, state)
        self._plans.pop(request.app, None)

    def _release(self, result: TaskResult) -> None:
        self.port.remove_finalizer(
            result.api_version, result.kind, result.namespace, result.name, HOOK_FINALIZER
        )

    def _abandon(self, stored: OperationState) -> None:
        """A running operation replaced by a new one must not leave hooks held forever."""
        for result in stored.results.values():
            if result.hook and result.result and not result.finalizer_released:
                self._release(result)

    def _persist(self, request: SyncRequest, state: OperationState) -> None:
        if self.store is None or request.settings.dry_run:
            return
        if request.app in self._unstored:
            if not self._must_store(request, state):
                if state.terminal:
                    self._kinds[request.app] = self._kinds_of(request)
                return
            self._unstored.discard(request.app)
        durable = _durable_form(state)
        if not state.terminal and self._persisted.get(request.app) == durable:
            return  # only what a resume works out again changed (e.g. what it waits for)
        self._persisted[request.app] = durable
        kinds = self._kinds_of(request)
        if state.terminal:
            self._kinds[request.app] = kinds
        self.store.save(state, kinds)

    def _kinds_of(self, request: SyncRequest) -> set[tuple[str, str]]:
        """The app's kinds to store: the stored ones and those of its manifests."""
        kinds = set(self._kinds.get(request.app, set()))
        kinds |= {(m.api_version, m.kind) for m in request.manifests if not m.sync.skip}
        return kinds

    def _must_store(self, request: SyncRequest, state: OperationState) -> bool:
        """Whether an unstored replayable operation has to be stored after this step."""
        failed = any(r.status is TaskStatus.FAILED for r in state.results.values())
        if failed or state.retry_count or state.next_attempt_at:
            return True
        if state.terminal and state.phase is not OperationPhase.SUCCEEDED:
            return True
        new_kinds = self._kinds_of(request) - self._kinds.get(request.app, set())
        return state.terminal and not new_kinds <= self.searched_kinds

    def _emit(
        self,
        state: OperationState,
        seen: dict[str, tuple[str, str, str]],
        last_message: str | None,
        on_event: EventSink | None,
    ) -> str:
        changed = []
        for result in state.ordered_results():
            now = (str(result.result or ""), result.status.value, result.message)
            if seen.get(result.id) != now:
                seen[result.id] = now
                changed.append(result)
        message_changed = state.message != last_message
        if on_event is not None and (changed or message_changed):
            on_event(SyncEvent(state, tuple(changed), message_changed))
        return state.message


def _durable_form(state: OperationState) -> str:
    """The state without what a resumed operation works out again from the live objects:
    its message, what running tasks wait for, and whether an applied object (not a hook,
    not a prune) turned healthy -- a resume judges its running tasks on the live objects
    again. A failed one is kept: it changes the course of the operation."""
    data = json.loads(state.to_json())
    data["message"] = ""
    rejudged = {TaskStatus.RUNNING.value, TaskStatus.SUCCEEDED.value}
    for result in data["results"].values():
        if result.get("status") == TaskStatus.RUNNING.value:
            result["message"] = ""
        if not result.get("hook") and not result.get("prune") and result.get("status") in rejudged:
            result["status"] = TaskStatus.RUNNING.value
            result["message"] = ""
    return json.dumps(data, sort_keys=True)
