"""The persisted state of one sync operation: enough to resume it in another process."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from gitsync.model.enums import OperationPhase, ResultCode
from gitsync.sync.task import Task

STATE_VERSION = 1


class TaskStatus(StrEnum):
    """Where one task stands (Argo CD's per-resource operation state / hook phase)."""

    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"

    @property
    def completed(self) -> bool:
        return self is not TaskStatus.RUNNING

    @property
    def successful(self) -> bool:
        return self is TaskStatus.SUCCEEDED


@dataclass
class TaskResult:
    """What happened to one task. A task with no result has not started."""

    id: str
    group: str
    version: str
    kind: str
    namespace: str
    name: str
    phase: str
    wave: int
    hook: bool
    prune: bool
    order: int
    result: str = ""  # a ResultCode, or "" for a hook that never applied
    status: str = TaskStatus.RUNNING.value
    message: str = ""
    written: str = ""  # what the write itself said ("created", "pruned", ...)
    finalizer_released: bool = False
    deleted: bool = False  # removed by its delete policy after the operation

    @classmethod
    def for_task(cls, task: Task, order: int) -> TaskResult:
        return cls(
            id=task.id,
            group=task.group,
            version=task.version,
            kind=task.kind,
            namespace=task.namespace,
            name=task.name,
            phase=str(task.phase),
            wave=task.wave,
            hook=task.hook,
            prune=task.prune,
            order=order,
        )

    @property
    def task_status(self) -> TaskStatus:
        return TaskStatus(self.status)

    @property
    def resource(self) -> str:
        """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped)."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def set(self, result: ResultCode | str, status: TaskStatus, message: str) -> None:
        self.result = str(result)
        self.status = status.value
        self.message = message

    def public(self) -> dict[str, Any]:
        """The shape ``gitsync sync -o json`` prints for one resource."""
        return {
            "group": self.group,
            "kind": self.kind,
            "namespace": self.namespace or None,
            "name": self.name,
            "phase": self.phase,
            "wave": self.wave,
            "hook": self.hook,
            "result": self.result or self.status,
            "message": self.message,
        }


@dataclass
class OperationState:
    """One sync operation of one app. `results` maps task id to its result.

    `started_at` (unix seconds) names generateName-only hooks, so a resumed operation
    addresses the same hook objects. `next_wave_at` holds the pause between waves and
    `next_attempt_at` the backoff before a retry, so a step never sleeps.
    """

    app: str
    revision: str
    fingerprint: str
    started_at: int
    phase: str = OperationPhase.RUNNING.value
    message: str = ""
    dry_run: bool = False
    prune: bool = False
    preflight_done: bool = False
    preflight_attempts: int = 0  # pre-flight retries after transient API errors
    failing: str = ""  # why the operation is failing while SyncFail hooks run
    results: dict[str, TaskResult] = field(default_factory=dict)
    next_wave_at: float = 0.0
    retry_count: int = 0
    next_attempt_at: float = 0.0
    finished_at: float = 0.0
    version: int = STATE_VERSION

    @property
    def operation_phase(self) -> OperationPhase:
        return OperationPhase(self.phase)

    @property
    def terminal(self) -> bool:
        return self.operation_phase.terminal

    def ordered_results(self) -> list[TaskResult]:
        return sorted(self.results.values(), key=lambda r: r.order)

    def public(self) -> dict[str, Any]:
        """The shape ``gitsync sync -o json`` prints."""
        return {
            "phase": self.phase,
            "revision": self.revision,
            "message": self.message,
            "resources": [r.public() for r in self.ordered_results()],
        }

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> OperationState | None:
        """None when `text` is not a state this version understands (start afresh)."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                return None
            known = {f.name for f in fields(TaskResult)}
            results = {
                k: TaskResult(**{n: v for n, v in r.items() if n in known})
                for k, r in dict(data.get("results") or {}).items()
            }
            names = {f.name for f in fields(cls)}
            body = {k: v for k, v in data.items() if k in names and k != "results"}
            state = cls(results=results, **body)
            OperationPhase(state.phase)
            return state
        except (TypeError, ValueError):
            return None
