"""Sync: the ordered plan of tasks (pure) and the re-entrant operation that runs it."""

from gitsync.sync.plan import Plan, PlanSettings, build_plan, hook_name
from gitsync.sync.task import Task, TaskType

__all__ = ["Plan", "PlanSettings", "Task", "TaskType", "build_plan", "hook_name"]
