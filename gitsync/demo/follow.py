"""Following the controller as it works, from what it writes into the clusters.

The controller keeps each app's status (`gitsync-status-*`) and sync operation
(`gitsync-op-*`) in ConfigMaps of its namespace; the Rollout controller writes the
Rollouts' status. `ChangeFeed` hears every such write, in order and with its time, from
the embedded clusters' stores; `Tracker` turns the writes into what the demo reports:
apps waiting, starting, finishing and becoming healthy, each task of a sync operation,
and the live state of each Rollout.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitsync.controller.status import STATUS_KEY
from gitsync.rollouts.view import RolloutView, view_of
from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from gitsync.sync.state import OperationState, TaskResult
from gitsync.sync.store import STATE_KEY

STATUS_PREFIX = "gitsync-status-"
OPERATION_PREFIX = "gitsync-op-"
ROLLOUT_GROUP = "argoproj.io"


@dataclass(frozen=True)
class Change:
    """One write to a watched object; `obj` is the stored object (never mutated)."""

    at: float  # time.monotonic()
    cluster: str
    kind: str
    obj: Mapping[str, Any]


class ChangeFeed:
    """Collects the writes of interest from the clusters' stores into one queue."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Change] = queue.SimpleQueue()
        self._hooked: list[tuple[SimCluster, Callable[[WatchEvent], None]]] = []

    def watch_controller(self, cluster: str, sim: SimCluster, namespace: str) -> None:
        """The status and operation ConfigMaps the controller writes on `sim`."""

        def wanted(event: WatchEvent) -> bool:
            return (
                event.kind == "ConfigMap"
                and event.namespace == namespace
                and event.name.startswith((STATUS_PREFIX, OPERATION_PREFIX))
            )

        self._hook(cluster, sim, wanted)

    def watch_rollouts(self, cluster: str, sim: SimCluster) -> None:
        """Every Rollout on `sim` and the ReplicaSets it owns."""

        def wanted(event: WatchEvent) -> bool:
            if event.group == ROLLOUT_GROUP and event.kind == "Rollout":
                return True
            return event.kind == "ReplicaSet" and _owner_rollout(event.obj) is not None

        self._hook(cluster, sim, wanted)

    def _hook(self, cluster: str, sim: SimCluster, wanted: Callable[[WatchEvent], bool]) -> None:
        def listener(event: WatchEvent) -> None:
            # Runs inside the store's write: only filter and enqueue.
            if event.type != "DELETED" and wanted(event):
                self._queue.put(Change(time.monotonic(), cluster, event.kind, event.obj))

        sim.store.listeners.append(listener)
        self._hooked.append((sim, listener))

    def next(self, timeout: float) -> Change | None:
        try:
            return self._queue.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    def close(self) -> None:
        for sim, listener in self._hooked:
            if listener in sim.store.listeners:
                sim.store.listeners.remove(listener)
        self._hooked.clear()


# -- what the demo reports -----------------------------------------------------------------
WAITS = "waits"
STARTED = "started"
FINISHED = "finished"
HEALTHY = "healthy"


@dataclass(frozen=True)
class AppEvent:
    """An app-level moment the demo narrates: waits, starts, finishes, turns healthy."""

    at: float
    app: str
    what: str  # WAITS, STARTED, FINISHED, HEALTHY
    detail: str


@dataclass(frozen=True)
class TaskEvent:
    """A sync task's change of state, with the task as it was before."""

    at: float
    app: str
    result: TaskResult
    outcome: str  # the hook's status, or the task's result ("Synced, waiting" while it waits)
    before: TaskResult | None = None  # the task as the previous write showed it

    @property
    def notable(self) -> bool:
        """A hook starting, any task finishing, and every step of a Rollout (its waiting
        messages tell the blue-green story)."""
        if self.result.kind == "Rollout":
            return True
        if self.result.status.completed:
            return self.before is None or not self.before.status.completed
        return self.result.hook and self.before is None


@dataclass(frozen=True)
class RolloutEvent:
    """A Rollout's change of phase on one cluster."""

    at: float
    cluster: str
    view: RolloutView
    summary: str


Event = AppEvent | TaskEvent | RolloutEvent


@dataclass
class _Operation:
    state: OperationState
    events: list[TaskEvent] = field(default_factory=list)


class Tracker:
    """The latest status and operation of every app and the latest Rollouts, plus the
    transitions between writes."""

    def __init__(self) -> None:
        self.statuses: dict[str, dict[str, Any]] = {}
        self.operations: dict[str, _Operation] = {}
        self._rollouts: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        self._replica_sets: dict[tuple[str, str, str], dict[str, Mapping[str, Any]]] = {}
        self._rollout_summaries: dict[tuple[str, str, str], str] = {}
        self._waited: set[str] = set()

    def forget_waits(self) -> None:
        """Report each app's first wait again (a new commit starts a new story)."""
        self._waited.clear()

    def update(self, change: Change) -> list[Event]:
        if change.kind == "ConfigMap":
            name = str((change.obj.get("metadata") or {}).get("name") or "")
            data = change.obj.get("data") or {}
            if name.startswith(STATUS_PREFIX) and data.get(STATUS_KEY):
                return list(self._status(change.at, json.loads(data[STATUS_KEY])))
            if name.startswith(OPERATION_PREFIX) and data.get(STATE_KEY):
                state = OperationState.from_json(str(data[STATE_KEY]))
                return list(self._operation(change.at, state)) if state is not None else []
            return []
        return list(self._rollout(change))

    # -- app status ---------------------------------------------------------------------
    def _status(self, at: float, status: dict[str, Any]) -> list[Event]:
        name = str(status["name"])
        before = self.statuses.get(name) or {}
        self.statuses[name] = status
        events: list[Event] = []
        op = status.get("operation") or {}
        op_before = before.get("operation") or {}
        running = op.get("phase") == "Running"
        same_op = op.get("started_at") == op_before.get("started_at")
        if running and not (same_op and op_before.get("phase") == "Running"):
            detail = f"sync started ({status.get('sync_status')}, {status.get('health')})"
            events.append(AppEvent(at, name, STARTED, detail))
        if op and not running and not same_op:
            # a sync of one wave without hooks is written only at its end
            events.append(AppEvent(at, name, STARTED, "sync started (stored at its end)"))
            events.append(AppEvent(at, name, FINISHED, f"sync {op.get('phase')}"))
        if op and not running and same_op and op_before.get("phase") == "Running":
            detail = f"sync {op.get('phase')}"
            if op.get("phase") != "Succeeded" and op.get("message"):
                detail += f": {op.get('message')}"
            events.append(AppEvent(at, name, FINISHED, detail))
        waiting = "" if running else str(status.get("waiting_for") or "")
        if waiting and name not in self._waited:
            self._waited.add(name)
            events.append(AppEvent(at, name, WAITS, f"waits for {waiting}"))
        if ready(status) and not (ready(before) and before["revision"] == status.get("revision")):
            events.append(AppEvent(at, name, HEALTHY, "Synced and Healthy"))
        return events

    # -- sync operations ----------------------------------------------------------------
    def _operation(self, at: float, state: OperationState) -> list[Event]:
        known = self.operations.get(state.app)
        if known is None or known.state.started_at != state.started_at:
            previous: dict[str, TaskResult] = {}
            known = _Operation(state)
            self.operations[state.app] = known
        else:
            previous = known.state.results
            known.state = state
        events: list[Event] = []
        for result in state.ordered_results():
            old = previous.get(result.id)
            if old is not None and _same(old, result):
                continue
            event = TaskEvent(at, state.app, result, _outcome(result), old)
            known.events.append(event)
            events.append(event)
        return events

    def task_events(self, app: str) -> list[TaskEvent]:
        """Every task change of the app's latest operation, in order."""
        known = self.operations.get(app)
        return list(known.events) if known is not None else []

    # -- Rollouts -----------------------------------------------------------------------
    def _rollout(self, change: Change) -> list[Event]:
        meta = change.obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "")
        if change.kind == "ReplicaSet":
            owner = _owner_rollout(change.obj)
            if owner is None:
                return []
            key = (change.cluster, namespace, owner)
            self._replica_sets.setdefault(key, {})[str(meta.get("name"))] = change.obj
        else:
            key = (change.cluster, namespace, str(meta.get("name") or ""))
            self._rollouts[key] = change.obj
        rollout = self._rollouts.get(key)
        if rollout is None:
            return []
        view = view_of(rollout, list(self._replica_sets.get(key, {}).values()))
        summary = describe_rollout(view)
        if self._rollout_summaries.get(key) == summary:
            return []
        self._rollout_summaries[key] = summary
        return [RolloutEvent(change.at, change.cluster, view, summary)]

    def rollout(self, cluster: str, namespace: str, name: str) -> RolloutView | None:
        found = self._rollouts.get((cluster, namespace, name))
        if found is None:
            return None
        sets = self._replica_sets.get((cluster, namespace, name), {})
        return view_of(found, list(sets.values()))


def ready(status: Mapping[str, Any]) -> bool:
    """Synced and Healthy, with no sync running and the last one in the history."""
    op = status.get("operation") or {}
    if op.get("phase") == "Running":
        return False
    history = status.get("history") or []
    if op and not (history and history[-1].get("started_at") == op.get("started_at")):
        return False  # the operation just ended; its result is written next
    return status.get("sync_status") == "Synced" and status.get("health") == "Healthy"


def describe_rollout(view: RolloutView) -> str:
    """`Progressing: ...; stable/active web:1.0.0 2/2, preview web:1.1.0 2/2` (ready/desired)."""
    text = view.health + (f": {view.message}" if view.message else "")
    parts = [
        f"{'/'.join(rs.roles)} {','.join(_short(i) for i in rs.images)} {rs.available}/{rs.desired}"
        for rs in view.replica_sets
        if rs.roles and rs.desired > 0  # one being scaled down is not worth a line
    ]
    return f"{text}; {', '.join(parts)}" if parts else text


def _short(image: str) -> str:
    """`registry.example.com/shop/web:1.1.0` -> `web:1.1.0`."""
    return image.rsplit("/", 1)[-1]


def _owner_rollout(obj: Mapping[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, Mapping) and ref.get("kind") == "Rollout":
            return str(ref.get("name"))
    return None


def _same(a: TaskResult, b: TaskResult) -> bool:
    return (a.status, a.result, a.message) == (b.status, b.result, b.message)


def _outcome(result: TaskResult) -> str:
    if result.hook:
        return result.status
    if result.status == "Running" and result.result == "Synced":
        return "Synced, waiting"
    return result.result or result.status
