"""When is a task done? The one place that decides it, from the task and its live object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.health import assess
from gitsync.model.annotations import IGNORE_HEALTHCHECK
from gitsync.model.enums import HealthStatus
from gitsync.sync.state import TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.tracking import annotations_of


@dataclass(frozen=True, slots=True)
class Progress:
    status: TaskStatus
    message: str = ""


def task_progress(task: Task, live: Mapping[str, Any] | None) -> Progress:
    """Where an applied task stands, judged on its live object.

    Plain resources: Healthy (or no health check) -> done, Degraded -> failed, anything
    else keeps the wave waiting. Hooks: Healthy (or no check) -> succeeded, Progressing
    or Suspended -> running, Degraded or Unknown -> failed. A running object that
    vanished fails. Prunes are done once the object is gone.
    """
    if task.prune:
        if live is None:
            return Progress(TaskStatus.SUCCEEDED, "pruned")
        return Progress(TaskStatus.RUNNING, "waiting for deletion")
    if live is None:
        return Progress(TaskStatus.FAILED, "the object disappeared while it was running")
    if annotations_of(live).get(IGNORE_HEALTHCHECK, "").strip().lower() == "true":
        return Progress(TaskStatus.SUCCEEDED, "health check ignored")
    health = assess(live)
    if health is None:
        return Progress(TaskStatus.SUCCEEDED, "no health check")
    status = health.status
    if status is HealthStatus.HEALTHY:
        return Progress(TaskStatus.SUCCEEDED, health.message or "healthy")
    if status is HealthStatus.DEGRADED or (task.hook and status is HealthStatus.UNKNOWN):
        return Progress(TaskStatus.FAILED, health.message or str(status))
    return Progress(TaskStatus.RUNNING, health.message or str(status))
