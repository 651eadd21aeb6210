"""Starting and advancing sync operations, and saving the app's status.

After an app was compared, the driver asks the start policy whether a sync starts and
carries out the answer (a request given back, a recheck queued, the reason the app
waits); it then runs the operation a few steps per visit and puts the app back in the
queue, so a long sync never holds a worker while other apps wait. Every step is
persisted by the sync runner, so a restarted controller resumes where it stopped.
A saved status that changed may open another app's gate: those apps are queued again.
With ``--shards``, every step and every write to a destination is made only while this
replica holds the app's shard (`gitsync.controller.sharding`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from gitsync.controller.cachedcluster import CachedKubePort
from gitsync.controller.clusters import Destination
from gitsync.controller.compare import Compared
from gitsync.controller.config import ControllerConfig
from gitsync.controller.gates import StartGates
from gitsync.controller.inventory import Inventory
from gitsync.controller.ordering import Gate
from gitsync.controller.progressive import StepStatus
from gitsync.controller.projects import WindowWait, window_wait
from gitsync.controller.requests import SyncRequests
from gitsync.controller.settings import sync_settings
from gitsync.controller.sharding import FencedPort
from gitsync.controller.startpolicy import Hold, RollingFacts, Start, StartFacts, decide
from gitsync.controller.status import AppStatus, StatusStore, SyncResult
from gitsync.controller.workqueue import WorkQueue
from gitsync.diff.live import PRUNE_CANDIDATE_KINDS
from gitsync.errors import GitsyncError
from gitsync.kube import Cluster
from gitsync.metrics import Metrics
from gitsync.model import Application
from gitsync.model.annotations import SyncOptions
from gitsync.model.enums import OperationPhase
from gitsync.shard import Ownership
from gitsync.sync.port import ClusterPort
from gitsync.sync.preflightpolicy import PreflightMode
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.schemapreflight import CachedFacts
from gitsync.sync.selection import ResourceSelector, SelectionError
from gitsync.sync.state import OperationState
from gitsync.sync.store import OPERATION_SELECTOR, OperationStore

log = structlog.get_logger("gitsync.controller")

STEP_BUDGET = 0.5  # seconds of sync steps per visit before the app goes back in line
STEP_PAUSE = 0.05


@dataclass
class Operation:
    """A sync operation the driver is running for one app."""

    request: SyncRequest
    state: OperationState
    automated: bool
    inputs: str  # the comparison's inputs the sync started from
    runner: SyncRunner  # the runner of its destination
    started: float = field(default_factory=time.monotonic)


class Driver:
    """Starts and advances the apps' sync operations; saves their statuses."""

    def __init__(
        self,
        config: ControllerConfig,
        *,
        queue: WorkQueue,
        requests: SyncRequests,
        statuses: StatusStore,
        op_store: OperationStore,
        metrics: Metrics,
        inventory: Callable[[], Inventory],
        wanted: Callable[[Application], str | None],
        stopping: threading.Event,
        self_heal_base: float,
        ownership: Ownership | None = None,
    ) -> None:
        """`inventory` and `wanted` (the revision an app is now wanted at) feed the gates
        between apps; `stopping` cuts a visit short when the controller stops;
        `ownership` (``--shards``) fences the steps and the writes to destinations."""
        self._config = config
        self._queue = queue
        self._requests = requests
        self._statuses = statuses
        self._op_store = op_store
        self._metrics = metrics
        self._stopping = stopping
        self._self_heal_base = self_heal_base
        self._ownership = ownership
        self._lock = threading.Lock()
        self._ops: dict[str, Operation] = {}
        self._runners: dict[int, SyncRunner] = {}
        self._heal_attempts: dict[str, int] = {}
        self._unsaved_end: set[str] = set()  # apps whose finished sync the next visit saves
        self._saved: dict[str, dict[str, Any]] = {}  # app -> its last saved status
        self.gates = StartGates(inventory, self._saved, wanted, self.has_operation)

    def started_leading(self, cluster: Cluster) -> None:
        """One LIST of the stored operations instead of a GET per app on a cold start."""
        try:
            found = cluster.list(
                "v1",
                "ConfigMap",
                namespace=self._config.namespace,
                label_selector=OPERATION_SELECTOR,
            )
        except GitsyncError as err:
            log.warning("could not list stored operations", error=str(err))
            return  # each app's first load reads its own
        self._op_store.prime(found)

    def stopped_leading(self) -> None:
        self._op_store.unprime()  # another leader writes operations from now on

    def connect(self, dest: Destination) -> None:
        """A destination was connected: syncs to it write through its watch cache."""
        cached = CachedKubePort(dest.cluster, dest.cache, self._config.watched_namespaces)
        port: ClusterPort = cached
        if self._ownership is not None:
            port = FencedPort(port, self._ownership)
        mode = PreflightMode(self._config.preflight)
        facts = CachedFacts(dest.facts_cache)
        runner = SyncRunner(
            port,
            self._op_store,
            poll_interval=0.2,
            preflight=lambda: cached.schema_preflight(facts, mode),
            # watched for the comparison already, so searching them costs no request
            searched_kinds=PRUNE_CANDIDATE_KINDS,
        )
        with self._lock:
            self._runners[id(dest)] = runner

    def has_operation(self, name: str) -> bool:
        with self._lock:
            return name in self._ops

    def remember(self, status: AppStatus) -> None:
        """A status loaded from the store: as saved, so an unchanged one is not written."""
        self._saved[status.name] = saved_form(status)

    def forget(self, name: str) -> None:
        """The app left the inventory."""
        with self._lock:
            self._ops.pop(name, None)
            self._heal_attempts.pop(name, None)
        self._saved.pop(name, None)

    # -- shards: apps that change hands (gitsync.controller.sharding) ----------------------
    def adopt(self, name: str, stored: AppStatus | None) -> None:
        """This replica took `name`'s shard: what it ran of it in an earlier tenure is
        dropped (the stored operation resumes), and `stored` (read fresh) is as saved."""
        with self._lock:
            self._ops.pop(name, None)
            self._heal_attempts.pop(name, None)
        if stored is not None:
            self.remember(stored)

    def release(self, name: str) -> None:
        """This replica lost `name`'s shard: its operation is no longer driven here."""
        with self._lock:
            self._ops.pop(name, None)

    def seen(self, status: AppStatus) -> None:
        """Another replica saved `status`: the gates see it, and apps waiting on it look."""
        self.remember(status)
        for name in self.gates.waiting_besides(status.name):
            self._queue.add(name)

    def advance(self, compared: Compared) -> None:
        """After a comparison: start a sync if the policy says so, then run the app's
        operation for a while."""
        app, status = compared.app, compared.status
        with self._lock:
            op = self._ops.get(app.name)
        if op is None:
            op = self._maybe_start(compared)
        if op is not None:
            self._drive(app.name, op, status)
        self.gates.show_step(app, status)

    def save(self, status: AppStatus) -> None:
        """Write the status when it changed, then wake the apps that wait on others.

        Not while the app's operation is replayable and unstored (`SyncRunner.begin`): a
        restart would resume nothing and start the same sync again, so a status saying
        Running would only cost a write. The status of its end is written."""
        snapshot = saved_form(status)
        if self._saved.get(status.name) == snapshot:
            return
        if self._unstored(status.name):
            return
        with self._lock:
            if status.name in self._unsaved_end:
                self._unsaved_end.discard(status.name)
                return  # the visit queued by `_finish` saves it
        try:
            self._statuses.save(status)
        except GitsyncError as err:
            log.warning("cannot save app status", error=str(err))
            return
        self._saved[status.name] = snapshot
        # A changed status may open the gate of apps waiting for it: re-check them.
        for name in self.gates.waiting_besides(status.name):
            self._queue.add(name)

    def _maybe_start(self, compared: Compared) -> Operation | None:
        """Start a sync when the start policy says so; otherwise carry out why not."""
        app, status = compared.app, compared.status
        name = app.name
        rolling = self.gates.rolling_of(name)
        with self._lock:
            heal_attempts = self._heal_attempts.get(name, 0)
        facts = StartFacts(
            sync_status=status.sync_status,
            inputs=compared.inputs,
            synced_inputs=status.sync_inputs,
            running=is_running(status),
            policy=app.sync_policy.automated,
            suspended=status.auto_sync_suspended,
            ask=self._requests.take(name),
            compared_pin=compared.pinned,
            rolling=None
            if rolling is None
            else RollingFacts(rolling.step_of(app.labels) is not None, rolling.default_prune),
            heal_attempts=heal_attempts,
            last_finished=status.history[-1].finished_at if status.history else 0.0,
            now=time.time(),
            heal_base=self._self_heal_base,
        )
        waited_for = status.waiting_for
        decision = decide(facts, _LiveGates(self.gates, compared))
        if decision.clear_waiting:
            status.waiting_for = ""
            self.gates.stop_waiting(name)
        if decision.reset_heal:
            with self._lock:
                self._heal_attempts.pop(name, None)
        start = decision.outcome
        if isinstance(start, Hold):
            self._hold(name, status, start, waited_for)
            return None
        try:
            return self._start(compared, start)
        finally:
            if start.claimed_step:
                self.gates.release(name)

    def _hold(self, name: str, status: AppStatus, hold: Hold, waited_for: str) -> None:
        if hold.give_back:
            self._requests.give_back(name)
        if hold.wake_on_change:
            self.gates.wait(name)
        if hold.shown:
            status.waiting_for = hold.why
            if hold.why != waited_for:  # logged when the reason changes, not at every look
                log.info("sync waits", waiting_for=hold.why, **hold.detail)
        if hold.recheck_after is not None:
            self._queue.add_after(name, hold.recheck_after)

    def _start(self, compared: Compared, start: Start) -> Operation | None:
        app, status, inputs, dest = compared.app, compared.status, compared.inputs, compared.dest
        name = app.name
        if start.heal_attempt is not None:
            with self._lock:
                self._heal_attempts[name] = start.heal_attempt
            log.info("self-heal", attempt=start.heal_attempt)
        is_auto = start.automated
        self._requests.take_options(name)  # asked with the request this sync answers
        request = SyncRequest(
            app=name,
            manifests=tuple(compared.manifests),
            revision=compared.sha,
            dest_namespace=compared.namespace,
            sync_options=SyncOptions.parse(list(app.sync_policy.sync_options)),
            settings=sync_settings(
                app,
                automated=is_auto,
                wave_delay=self._config.wave_delay,
                ignore=compared.ignore,
                policy=start.policy if is_auto else None,
            ),
        )
        if start.manual and (start.prune or start.dry_run):
            settings = replace(
                request.settings, prune=request.settings.prune or start.prune, dry_run=start.dry_run
            )
            request = replace(request, settings=settings)
        if is_auto:
            request = replace(request, replayable=True)
        if start.manual and start.resources:
            request = replace(
                request, resources=tuple(map(ResourceSelector.exact, start.resources))
            )
        ended_from = None
        if start.resume and status.operation is not None:
            ended_from = int(status.operation.get("started_at") or 0)
        runner = self._runner(dest)
        try:
            state = runner.begin(request, ended_from=ended_from)
        except SelectionError as err:  # the app changed since the request was checked
            self._requests.refuse(name, str(err))
            log.warning("sync refused", error=str(err))
            return None
        op = Operation(request, state, is_auto, inputs, runner)
        with self._lock:
            self._ops[name] = op
        if is_auto:
            status.sync_inputs = inputs
        status.operation = operation_view(state)
        with self._lock:
            self._unsaved_end.discard(name)  # written now, with the start of this one
        self.save(status)  # not while the runner keeps the operation unstored
        log.info("sync started", automated=is_auto, resumed=start.resume, reason=start.reason)
        return op

    def _drive(self, name: str, op: Operation, status: AppStatus) -> None:
        runner = op.runner
        structlog.contextvars.bind_contextvars(phase=op.state.phase)
        deadline = time.monotonic() + STEP_BUDGET
        state = op.state
        if self._requests.take_termination(name) and not state.terminal:
            runner.terminate(op.request, state, "terminated by request")
            log.info("sync terminated")
        while not state.terminal:
            before = state.to_json()
            if self._ownership is not None:
                self._ownership.token(name)  # FencedError: the shard moved on
            state = runner.step(op.request, state)
            status.operation = operation_view(state)
            status.waiting_for = "" if state.terminal else state.message
            # No status write per step: the runner persisted the step in the operation
            # state, and the status saved at the start still says Running, so a restart
            # resumes from that state. The caller saves once when this returns.
            if state.terminal or self._stopping.is_set():
                break
            if time.monotonic() >= deadline:
                self._queue.add_after(name, STEP_PAUSE)
                return
            if state.to_json() != before and state.next_wave_at <= time.time():
                continue  # the step got somewhere: take the next one now, as `gitsync sync` does
            resume_at = max(state.next_wave_at, state.next_attempt_at)
            pause = max(resume_at - time.time(), STEP_PAUSE)
            if pause > deadline - time.monotonic():
                self._queue.add_after(name, min(pause, 1.0))
                return
            time.sleep(pause)
        if state.terminal:
            self._finish(name, op, state, status)

    def _finish(self, name: str, op: Operation, state: OperationState, status: AppStatus) -> None:
        status.operation = operation_view(state)
        status.waiting_for = ""
        status.record(
            SyncResult(
                revision=state.revision,
                phase=state.phase,
                message=state.message,
                started_at=float(state.started_at),
                finished_at=time.time(),
                automated=op.automated,
                resources=[str(k) for k in state.selected_keys],
            )
        )
        status.last_synced_revision = state.revision
        # The end is saved with the comparison of the next visit, which shows the synced
        # state: one write, not two. Until then a stored operation holds the end, and a
        # restart in between records it from there (`begin(ended_from=...)`); of an
        # unstored one (`SyncRunner.begin`) a restart in between keeps the synced objects
        # and loses only this history entry.
        self._unsaved_end.add(name)
        self._metrics.observe_sync(name, state.phase, time.monotonic() - op.started)
        with self._lock:
            self._ops.pop(name, None)
        self._requests.unpin(name)
        log.info(
            "sync finished",
            phase=state.phase,
            message=state.message,
            changes=state.changes().summary(),
        )
        self._queue.add_after(name, STEP_PAUSE)  # show the state after the sync

    def _unstored(self, name: str) -> bool:
        """The app's running operation is one its runner keeps unstored."""
        with self._lock:
            op = self._ops.get(name)
        return op is not None and not op.runner.stored(name)

    def _runner(self, dest: Destination) -> SyncRunner:
        with self._lock:
            return self._runners[id(dest)]


class _LiveGates:
    """The start policy's gates for one compared app, looked at on demand."""

    def __init__(self, gates: StartGates, compared: Compared) -> None:
        self._gates = gates
        self._compared = compared

    def window(self, manual: bool) -> WindowWait | None:
        c = self._compared
        return window_wait(c.project, c.app, c.dest.record.name, manual)

    def ordering(self) -> Gate:
        return self._gates.ordering(self._compared.app.name)

    def step(self) -> StepStatus:
        return self._gates.claim_step(self._compared.app, self._compared.status)


def is_running(status: AppStatus) -> bool:
    """The app's last saved operation is still running: a visit resumes it."""
    return bool(status.operation and status.operation.get("phase") == OperationPhase.RUNNING.value)


def operation_view(state: OperationState) -> dict[str, Any]:
    view = state.public()
    view["started_at"] = state.started_at
    view["finished_at"] = state.finished_at
    view["retry_count"] = state.retry_count
    return view


def saved_form(status: AppStatus) -> dict[str, Any]:
    """The status as compared with the last saved one: the reconcile time alone changes
    nothing worth a write."""
    data = status.to_dict()
    data.pop("reconciled_at", None)
    return data
