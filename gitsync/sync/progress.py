"""When is a task done? The one place that decides it, from the task and its live object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.health import assess, rollout_pause_state
from gitsync.model.annotations import IGNORE_HEALTHCHECK, SYNC_GATE
from gitsync.model.enums import HealthStatus
from gitsync.sync.state import TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.tracking import annotations_of


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an applied task stands and why."""

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
    if status is HealthStatus.PROGRESSING and _passes_pause_gate(task, live):
        return Progress(TaskStatus.SUCCEEDED, f"sync gate open: {health.message}")
    if status is HealthStatus.DEGRADED or (task.hook and status is HealthStatus.UNKNOWN):
        return Progress(TaskStatus.FAILED, health.message or str(status))
    return Progress(TaskStatus.RUNNING, health.message or str(status))


def _passes_pause_gate(task: Task, live: Mapping[str, Any]) -> bool:
    """An opted-in Rollout completes its wave at a pause that awaits promotion once the new
    pods are available (``gitsync.io/sync-gate: pause`` on the Rollout, or the app's sync
    option ``RolloutSyncGate=pause``), so later waves and PostSync hooks can test and
    promote it. Its health stays Progressing."""
    if task.hook or live.get("kind") != "Rollout":
        return False
    if not str(live.get("apiVersion", "")).startswith("argoproj.io/"):
        return False
    wanted = annotations_of(live).get(SYNC_GATE, "").strip().lower() == "pause"
    if not wanted and not task.options.rollout_sync_gate:
        return False
    pause = rollout_pause_state(live)
    return pause is not None and pause.awaiting_promotion and pause.new_pods_available
