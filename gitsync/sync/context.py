"""What one step of a sync operation works with, and how it records each task's result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, TypeVar

from gitsync.model.enums import OperationPhase, SyncPhase
from gitsync.model.keys import ResourceKey
from gitsync.sync.changes import Action
from gitsync.sync.plan import Plan
from gitsync.sync.port import ClusterPort
from gitsync.sync.reads import LiveReader
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState, TaskResult, TaskStatus
from gitsync.sync.task import Task, TaskType

if TYPE_CHECKING:
    from gitsync.sync.schemapreflight import SchemaPreflight

# The schema pre-flight of an operation, made when its pre-flight runs (None: a server
# dry run of every write).
PreflightSource = Callable[[], "SchemaPreflight | None"]

T = TypeVar("T")
R = TypeVar("R")


class StepContext:
    """One step's plan, state, cluster, settings and time (`now`, unix seconds).

    `tasks` are the plan's tasks plus the prunes recorded earlier whose objects have left
    the live set since (so their results stay); `main` runs in order, `sync_fail` only
    after a failure.
    """

    def __init__(
        self,
        plan: Plan,
        state: OperationState,
        port: ClusterPort,
        settings: SyncSettings,
        now: float,
        pool: Executor,
        preflight: PreflightSource | None = None,
    ) -> None:
        self.plan = plan
        self.preflight = preflight
        self.state = state
        self.port = port
        self.settings = settings
        self.now = now
        self.reader = LiveReader(port, state.app, pool)
        self.order = {t.id: i for i, t in enumerate(plan.tasks)}
        known = set(self.order)
        ghosts = [_ghost_prune(r) for r in state.results.values() if r.prune and r.id not in known]
        self.tasks = [*plan.tasks, *ghosts]
        self.main = [t for t in self.tasks if t.phase is not SyncPhase.SYNC_FAIL]
        self.sync_fail = [t for t in self.tasks if t.phase is SyncPhase.SYNC_FAIL]

    def result(self, task: Task) -> TaskResult | None:
        return self.state.results.get(task.id)

    def status(self, task: Task) -> TaskStatus | None:
        found = self.result(task)
        return found.status if found else None

    def record(
        self, task: Task, action: Action, status: TaskStatus, message: str = ""
    ) -> TaskResult:
        found = self.state.results.get(task.id)
        if found is None:
            found = TaskResult.for_task(task, self.order.get(task.id, len(self.order)))
            self.state.results[task.id] = found
        found.record(action, status, message)
        return found

    def all_done(self, tasks: Iterable[Task]) -> bool:
        return all((s := self.status(t)) is not None and s.completed for t in tasks)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return self.reader.map(fn, items)

    def finish(self, phase: OperationPhase, message: str) -> None:
        self.state.finish(phase, message, self.now)


def _ghost_prune(result: TaskResult) -> Task:
    """A prune task recorded earlier whose object has since left the live set."""
    return Task(
        type=TaskType.PRUNE,
        phase=result.phase,
        wave=result.wave,
        key=ResourceKey(result.group, result.kind, result.namespace, result.name),
        api_version=result.api_version,
        obj={},
    )


def describe(tasks: Sequence[Task]) -> str:
    """The first task's resource, and how many more."""
    first = str(tasks[0].key)
    return first if len(tasks) == 1 else f"{first} and {len(tasks) - 1} more"
