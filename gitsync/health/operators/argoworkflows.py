"""Argo Workflows (argoproj.io): Workflow and CronWorkflow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import flag, mapping, text
from gitsync.health.operators.conditions_util import condition, describe, is_true
from gitsync.health.types import Check, Health, degraded, healthy, progressing, suspended

GROUP = "argoproj.io"


def _waiting_at_suspend_step(obj: Mapping[str, Any]) -> str:
    """The name of a running `suspend` step the Workflow waits at, or ``""``."""
    for node in mapping(obj, "status", "nodes").values():
        if (
            isinstance(node, Mapping)
            and node.get("type") == "Suspend"
            and node.get("phase") == "Running"
        ):
            return text(node, "displayName") or text(node, "name") or "suspend"
    return ""


def workflow(obj: Mapping[str, Any]) -> Health:
    phase = text(obj, "status", "phase")
    message = text(obj, "status", "message")
    if phase == "Succeeded":
        return healthy(message)
    if phase in ("Failed", "Error"):
        return degraded(message or f"Workflow {phase.lower()}")
    if flag(obj, "spec", "suspend"):
        return suspended("Workflow is suspended")
    if phase == "Running":
        step = _waiting_at_suspend_step(obj)
        if step:
            return suspended(f"Waiting at suspend step {step}")
    return progressing(message or (f"Workflow is {phase.lower()}" if phase else "Waiting to start"))


def cron_workflow(obj: Mapping[str, Any]) -> Health:
    for ctype in ("SpecError", "SubmissionError"):
        if is_true(obj, ctype):
            return degraded(describe(condition(obj, ctype)) or ctype)
    if flag(obj, "spec", "suspend"):
        return suspended("CronWorkflow is suspended")
    if text(obj, "status", "phase") == "Stopped":
        return suspended("CronWorkflow reached its stop strategy and schedules no more runs")
    return healthy()


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Workflow"): workflow,
    (GROUP, "CronWorkflow"): cron_workflow,
}
