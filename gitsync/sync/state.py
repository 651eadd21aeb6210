"""The persisted state of one sync operation: enough to resume it in another process.

Stored as JSON (`OperationState.to_json`) in the app's operation ConfigMap. Phases, task
statuses, result codes and actions are enums in memory and their strings on disk, so a
state written by an earlier gitsync (which had no ``action`` field) loads and resumes, and
an earlier gitsync reads what this one writes (it drops the fields it does not know).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from gitsync.model.enums import OperationPhase, ResultCode, SyncPhase
from gitsync.model.keys import ResourceKey
from gitsync.sync.changes import Action, Change, ChangeSet
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
    """What happened to one task. A task with no result has not started.

    `action` is what its write did and `result` the code that follows from it (None
    until written); `written` the message the write left, shown again once the task is
    done (the wait's own messages come and go in `message`).
    """

    id: str
    group: str
    version: str
    kind: str
    namespace: str
    name: str
    phase: SyncPhase
    wave: int
    hook: bool
    prune: bool
    order: int
    result: ResultCode | None = None
    status: TaskStatus = TaskStatus.RUNNING
    action: Action | None = None
    message: str = ""
    written: str = ""
    finalizer_released: bool = False
    deleted: bool = False  # removed by its delete policy after the operation
    # The object's resourceVersion as our write left it (or as read when nothing was
    # written): a cached copy at least this new may answer later looks. "" when unknown.
    resource_version: str = ""

    @classmethod
    def for_task(cls, task: Task, order: int) -> TaskResult:
        return cls(
            id=task.id,
            group=task.group,
            version=task.version,
            kind=task.kind,
            namespace=task.namespace,
            name=task.name,
            phase=task.phase,
            wave=task.wave,
            hook=task.hook,
            prune=task.prune,
            order=order,
        )

    @property
    def resource(self) -> str:
        """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped)."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def record(self, action: Action, status: TaskStatus, message: str = "") -> None:
        """The task's write: what it did, where the task stands, what to show."""
        self.action = action
        self.result = action.result
        self.status = status
        self.message = self.written = message or action.message

    def update(self, status: TaskStatus, message: str) -> None:
        """A later look at the written task (its health, its deletion, a termination)."""
        self.status = status
        self.message = message

    def public(self) -> dict[str, Any]:
        """The shape ``gitsync sync -o json`` prints for one resource."""
        return {
            "group": self.group,
            "kind": self.kind,
            "namespace": self.namespace or None,
            "name": self.name,
            "phase": self.phase.value,
            "wave": self.wave,
            "hook": self.hook,
            "result": (self.result or self.status).value,
            "message": self.message,
        }

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskResult:
        known = {f.name for f in fields(cls)}
        body = {k: v for k, v in data.items() if k in known}
        result = ResultCode(body["result"]) if body.get("result") else None
        written = str(body.get("written") or "")
        if body.get("action"):
            action: Action | None = Action(body["action"])
        elif result is not None:
            action = Action.from_message(result, written)  # stored before actions were
        else:
            action = None
        body.update(
            resource_version=str(body.get("resource_version") or ""),
            phase=SyncPhase(body["phase"]),
            result=result,
            status=TaskStatus(body.get("status") or TaskStatus.RUNNING),
            action=action,
        )
        return cls(**body)


@dataclass
class OperationState:
    """One sync operation of one app. `results` maps task id to its result.

    `started_at` (unix seconds) names generateName-only hooks, so a resumed operation
    addresses the same hook objects. `next_wave_at` holds the pause between waves and
    `next_attempt_at` the backoff before a retry, so a step never sleeps. `selected`
    names the resources of a selective sync ({group, kind, namespace, name}; empty: all).
    """

    app: str
    revision: str
    fingerprint: str
    started_at: int
    phase: OperationPhase = OperationPhase.RUNNING
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
    selected: list[dict[str, str]] = field(default_factory=list)
    version: int = STATE_VERSION

    @property
    def terminal(self) -> bool:
        return self.phase.terminal

    def finish(self, phase: OperationPhase, message: str, at: float) -> None:
        self.phase = phase
        self.message = message
        self.finished_at = at

    @property
    def selected_keys(self) -> tuple[ResourceKey, ...]:
        return tuple(
            ResourceKey(s["group"], s["kind"], s["namespace"], s["name"]) for s in self.selected
        )

    def ordered_results(self) -> list[TaskResult]:
        return sorted(self.results.values(), key=lambda r: r.order)

    def changes(self) -> ChangeSet:
        """What the operation's writes did so far, in task order."""
        return ChangeSet.of(
            Change(r.resource, r.action, r.hook)
            for r in self.ordered_results()
            if r.action is not None
        )

    def public(self) -> dict[str, Any]:
        """The shape ``gitsync sync -o json`` prints; ``selected`` only for a selective
        sync."""
        shown: dict[str, Any] = {
            "phase": self.phase.value,
            "revision": self.revision,
            "message": self.message,
            "resources": [r.public() for r in self.ordered_results()],
            "changes": {a.value: n for a, n in self.changes().counts().items()},
        }
        if self.selected:
            shown["selected"] = [str(k) for k in self.selected_keys]
        return shown

    def to_json(self) -> str:
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "results"}
        data["results"] = {k: r.to_dict() for k, r in self.results.items()}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> OperationState | None:
        """None when `text` is not a state this version understands (start afresh)."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                return None
            results = {
                k: TaskResult.from_dict(dict(r)) for k, r in dict(data.get("results") or {}).items()
            }
            names = {f.name for f in fields(cls)}
            body = {k: v for k, v in data.items() if k in names and k != "results"}
            body["phase"] = OperationPhase(body.get("phase") or OperationPhase.RUNNING)
            body["selected"] = [
                {k: str(item[k]) for k in ("group", "kind", "namespace", "name")}
                for item in body.get("selected") or []
            ]
            return cls(results=results, **body)
        except (TypeError, ValueError, KeyError):
            return None


def _plain(value: Any) -> Any:
    """What JSON keeps of a field: an enum's string, "" for a result not known yet."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    return value
