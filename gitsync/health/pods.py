"""Pods and Jobs: things that run to completion or keep running."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, conditions, items, mapping, text, value
from gitsync.health.types import Health, degraded, healthy, progressing, suspended, unknown


def _is_failing_wait(reason: str) -> bool:
    # ErrImagePull, CreateContainerConfigError, CrashLoopBackOff, ImagePullBackOff...
    return reason.startswith("Err") or reason.endswith("Error") or reason.endswith("BackOff")


def _termination_message(container: Mapping[str, Any]) -> str:
    terminated = mapping(container, "state", "terminated")
    if not terminated:
        return ""
    if text(terminated, "message"):
        return text(terminated, "message")
    if text(terminated, "reason") == "OOMKilled":
        return "OOMKilled"
    exit_code = value(terminated, "exitCode")
    if isinstance(exit_code, int) and exit_code != 0:
        return f"container {text(container, 'name')!r} failed with exit code {exit_code}"
    return ""


def pod(obj: Mapping[str, Any]) -> Health:
    restart_policy = text(obj, "spec", "restartPolicy") or "Always"
    message = text(obj, "status", "message")
    containers = items(obj, "status", "containerStatuses")
    # Only long-running pods: a hook pod (Never/OnFailure) stuck pulling its image must not
    # fail the hook early; it runs once the image shows up.
    if restart_policy == "Always":
        waits = [mapping(c, "state", "waiting") for c in containers]
        failing = [w for w in waits if _is_failing_wait(text(w, "reason"))]
        if failing:
            return degraded(", ".join(text(w, "message") or text(w, "reason") for w in failing))
    phase = text(obj, "status", "phase")
    if phase == "Pending":
        return progressing(message)
    if phase == "Succeeded":
        return healthy(message)
    if phase == "Failed":
        if message:
            return degraded(message)
        for container in items(obj, "status", "initContainerStatuses") + containers:
            reason = _termination_message(container)
            if reason:
                return degraded(reason)
        return degraded()
    if phase == "Running":
        if restart_policy != "Always":
            # Pods that run to completion are hooks in practice: running is not done yet.
            return progressing(message)
        ready = condition(obj, "Ready")
        if ready is not None and ready.get("status") == "True":
            return healthy(message)
        if any(mapping(c, "lastState", "terminated") for c in containers):
            return degraded(message or "container restarted and is not ready")
        return progressing(message)
    return unknown(message)


def job(obj: Mapping[str, Any]) -> Health:
    failed_message = None
    complete_message = None
    suspended_message = None
    for cond in conditions(obj):
        ctype = cond.get("type")
        cmessage = str(cond.get("message") or "")
        if ctype == "Failed" and cond.get("status") == "True":
            failed_message = cmessage or str(cond.get("reason") or "")
        elif ctype == "Complete" and cond.get("status") == "True":
            complete_message = cmessage
        elif ctype == "Suspended" and cond.get("status") == "True":
            suspended_message = cmessage or "Job is suspended"
    if failed_message is not None:
        return degraded(failed_message)
    if complete_message is not None:
        return healthy(complete_message)
    if suspended_message is not None:
        return suspended(suspended_message)
    return progressing("Job is running")
