"""Hook Jobs that steer Rollouts take effect on the embedded cluster.

A Job whose container runs the Argo Rollouts kubectl plugin (``kubectl argo rollouts
promote|abort|retry NAME [-n NS] [--full]``, ``kubectl-argo-rollouts ...``) or gitsync's
equivalent (``gitsync rollout ...``), directly or inside ``sh -c``, changes the Rollout when
it finishes, as the plugin does on a real cluster (from the Argo Rollouts docs):

- ``promote``: clear ``spec.paused`` and ``status.pauseConditions``; a canary paused
  without conditions moves on one step;
- ``promote --full``: ``status.promoteFull: true`` unless the current version is stable;
- ``abort``: ``status.abort: true``; ``retry``: ``status.abort: false``.

Written for the emulator alone: it shares no code with gitsync's own Rollout commands.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from gitsync.sim.registry import ResourceType

from .base import ControllerContext, Obj
from .job import JOB_ACTION_DETECTORS, register_job_action

ROLLOUT_COMMAND = "rollout-command"
_MERGE = "application/merge-patch+json"
_ACTIONS = frozenset({"promote", "abort", "retry"})
# Word sequences that introduce an action, after the program's directory is dropped.
_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("kubectl", "argo", "rollouts"),
    ("kubectl-argo-rollouts",),
    ("gitsync", "rollout"),
)
# Arguments alone, when the image's entrypoint is the tool itself (gitsync's or kubectl's).
_ENTRYPOINT_ARGS: tuple[tuple[str, ...], ...] = (("rollout",), ("argo", "rollouts"))


@dataclass(frozen=True)
class _Action:
    verb: str
    rollout: str
    namespace: str | None
    full: bool


def _words_of(container: Obj) -> list[str]:
    words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    if words and words[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash") and "-c" in words:
        script = words[words.index("-c") + 1 : words.index("-c") + 2]
        try:
            return shlex.split(script[0], comments=True) if script else []
        except ValueError:
            return []
    return words


def _action_in(words: list[str]) -> _Action | None:
    programs = [w.rsplit("/", 1)[-1] for w in words]
    for prefix in _ENTRYPOINT_ARGS:
        if tuple(words[: len(prefix)]) == prefix and len(words) > len(prefix):
            return _parse_action(words[len(prefix) :])
    for start in range(len(programs)):
        for prefix in _PREFIXES:
            end = start + len(prefix)
            if tuple(programs[start:end]) == prefix and end < len(words):
                found = _parse_action(words[end:])
                if found is not None:
                    return found
    return None


def _parse_action(rest: list[str]) -> _Action | None:
    if rest[0] not in _ACTIONS:
        return None
    name, namespace, full = "", None, False
    args = iter(rest[1:])
    for word in args:
        if word in (";", "&&", "||", "|"):
            break
        if word in ("-n", "--namespace"):
            namespace = next(args, None)
        elif word.startswith("--namespace="):
            namespace = word.partition("=")[2]
        elif word == "--full":
            full = True
        elif not word.startswith("-") and not name:
            name = word.rstrip(";")
    return _Action(rest[0], name, namespace, full) if name else None


def _job_action(job: Obj) -> _Action | None:
    template = (job.get("spec") or {}).get("template") or {}
    for container in (template.get("spec") or {}).get("containers") or []:
        if isinstance(container, dict):
            found = _action_in(_words_of(container))
            if found is not None:
                return found
    return None


def _promotion(rollout: Obj, full: bool) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(spec patch, status patch) of a promotion."""
    spec = rollout.get("spec") or {}
    status = rollout.get("status") or {}
    if full:
        if status.get("currentPodHash") == status.get("stableRS"):
            return None, None
        return None, {"status": {"promoteFull": True}}
    spec_patch = {"spec": {"paused": False}} if spec.get("paused") else None
    if status.get("pauseConditions"):
        return spec_patch, {"status": {"pauseConditions": None}}
    canary = (spec.get("strategy") or {}).get("canary")
    steps = canary.get("steps") if isinstance(canary, dict) else None
    if isinstance(steps, list) and steps:
        index = status.get("currentStepIndex")
        index = index if type(index) is int else 0
        next_index = min(index + 1, len(steps))
        return spec_patch, {"status": {"pauseConditions": None, "currentStepIndex": next_index}}
    return spec_patch, None


def run_rollout_command(ctx: ControllerContext, job: Obj) -> bool:
    """Change the Rollout as the command would; False (the Job fails) when it is missing."""
    action = _job_action(job)
    rtype = ctx.api.registry.by_kind("argoproj.io", "Rollout")
    if action is None or rtype is None:
        return False
    namespace = action.namespace or str(job["metadata"].get("namespace") or "default")
    stored = ctx.api.store.get(rtype.group, rtype.kind, namespace, action.rollout)
    if stored is None:
        return False
    if action.verb == "promote":
        spec_patch, status_patch = _promotion(stored.obj, action.full)
    else:
        spec_patch, status_patch = None, {"status": {"abort": action.verb == "abort"}}
    _send(ctx, rtype, namespace, action.rollout, spec_patch, status_patch)
    return True


def _send(
    ctx: ControllerContext,
    rtype: ResourceType,
    namespace: str,
    name: str,
    spec_patch: dict[str, Any] | None,
    status_patch: dict[str, Any] | None,
) -> None:
    version = rtype.versions[0]
    if status_patch is not None:
        ctx.api.patch(
            rtype,
            version,
            namespace,
            name,
            _MERGE,
            status_patch,
            manager="rollout-job",
            subresource="status",
        )
    if spec_patch is not None:
        ctx.api.patch(rtype, version, namespace, name, _MERGE, spec_patch, manager="rollout-job")


def _detect(job: Obj) -> str | None:
    return ROLLOUT_COMMAND if _job_action(job) is not None else None


register_job_action(ROLLOUT_COMMAND, run_rollout_command)
if _detect not in JOB_ACTION_DETECTORS:
    JOB_ACTION_DETECTORS.append(_detect)
