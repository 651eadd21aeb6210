"""Hook Jobs that steer Rollouts take effect on the embedded cluster: a Job whose container
runs ``gitsync rollout promote|abort|retry NAME [-n NS] [--full]`` (or ``kubectl argo
rollouts ...``) performs that action on the Rollout when it finishes. The action's patches
are the ones the real commands send (`gitsync.rollouts.patches`)."""

from __future__ import annotations

from gitsync.rollouts.command import RolloutCommand, parse_rollout_command
from gitsync.rollouts.patches import ABORT, RETRY, Patches, promote_patches
from gitsync.sim.registry import ResourceType

from .base import ControllerContext, Obj
from .job import JOB_ACTION_DETECTORS, register_job_action

ROLLOUT_COMMAND = "rollout-command"
_MERGE = "application/merge-patch+json"


def job_rollout_command(job: Obj) -> RolloutCommand | None:
    """The first Rollout command among the Job's containers."""
    pod_spec = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
    for container in pod_spec.get("containers") or []:
        if isinstance(container, dict):
            found = parse_rollout_command(container.get("command"), container.get("args"))
            if found is not None:
                return found
    return None


def _detect(job: Obj) -> str | None:
    return ROLLOUT_COMMAND if job_rollout_command(job) is not None else None


def _patches(command: RolloutCommand, rollout: Obj) -> Patches:
    if command.verb == "abort":
        return ABORT
    if command.verb == "retry":
        return RETRY
    return promote_patches(rollout, command.full)


def run_rollout_command(ctx: ControllerContext, job: Obj) -> bool:
    """Patch the Rollout as the command would; False (the Job fails) when it is missing."""
    command = job_rollout_command(job)
    if command is None:
        return False
    rtype = ctx.api.registry.by_kind("argoproj.io", "Rollout")
    if rtype is None:
        return False
    namespace = command.namespace or str(job["metadata"].get("namespace") or "default")
    stored = ctx.api.store.get(rtype.group, rtype.kind, namespace, command.name)
    if stored is None:
        return False
    patches = _patches(command, stored.obj)
    _send(ctx, rtype, rtype.versions[0], namespace, command.name, patches)
    return True


def _send(
    ctx: ControllerContext, rtype: ResourceType, version: str, ns: str, name: str, patches: Patches
) -> None:
    if patches.status is not None:
        ctx.api.patch(
            rtype,
            version,
            ns,
            name,
            _MERGE,
            patches.status,
            manager="rollout-job",
            subresource="status",
        )
    if patches.spec is not None:
        ctx.api.patch(rtype, version, ns, name, _MERGE, patches.spec, manager="rollout-job")


register_job_action(ROLLOUT_COMMAND, run_rollout_command)
if _detect not in JOB_ACTION_DETECTORS:
    JOB_ACTION_DETECTORS.append(_detect)
