"""Writes of one task through the cluster port: apply/replace, prune, hook deletion."""

from __future__ import annotations

import copy
import time
from typing import Any

from gitsync.errors import ConflictError, InvalidError, NotFoundError
from gitsync.model.annotations import DELETION_APPROVED
from gitsync.sync.changes import Action
from gitsync.sync.kinds import CRD_GROUP, CRD_KIND
from gitsync.sync.port import ApplyOptions, ClusterPort
from gitsync.sync.task import Task
from gitsync.sync.tracking import HOOK_FINALIZER, annotations_of, finalizers_of


def apply_options(task: Task) -> ApplyOptions:
    opts = task.options
    return ApplyOptions(
        server_side=opts.server_side_apply, force=opts.force, validate=opts.validate
    )


def is_deleting(live: dict[str, Any]) -> bool:
    return bool((live.get("metadata") or {}).get("deletionTimestamp"))


def deletion_approved(live: dict[str, Any]) -> bool:
    return DELETION_APPROVED in annotations_of(live)


def write(port: ClusterPort, task: Task, live: dict[str, Any] | None, *, dry_run: bool) -> Action:
    """Send the task's object to the cluster; what the write did (or would do, dry run)."""
    return write_object(port, task, live, dry_run=dry_run)[0]


def write_object(
    port: ClusterPort, task: Task, live: dict[str, Any] | None, *, dry_run: bool
) -> tuple[Action, dict[str, Any] | None]:
    """`write`, with the object the server returned (None when re-created)."""
    obj = task.obj
    opts = apply_options(task)
    if task.options.replace:
        if live is None:
            return Action.CREATED, port.create(obj, dry_run=dry_run)
        if opts.force and not dry_run and not _never_recreate(task):
            _recreate(port, task)
            return Action.RECREATED, None
        update = copy.deepcopy(obj)
        rv = (live.get("metadata") or {}).get("resourceVersion")
        if rv:
            update["metadata"]["resourceVersion"] = rv
        return Action.REPLACED, port.replace(update, dry_run=dry_run)
    try:
        written = port.apply(obj, dry_run=dry_run, options=opts)
    except (InvalidError, ConflictError):
        if not (opts.force and live is not None and not dry_run and not _never_recreate(task)):
            raise
        _recreate(port, task)  # Force=true: an immutable change becomes delete + create
        return Action.RECREATED, None
    created = live is None and not _kept_by_others(written)
    return (Action.CREATED if created else Action.CONFIGURED), written


def _kept_by_others(written: dict[str, Any]) -> bool:
    """The object the apply returned has fields of another field manager: it existed
    before (one without the tracking label, read as absent from the watch cache). One
    whose every field the apply took over reads as created: the answer does not say."""
    managers = (written.get("metadata") or {}).get("managedFields") or []
    return (
        any(isinstance(m, dict) and m.get("operation") != "Apply" for m in managers)
        or len({m.get("manager") for m in managers if isinstance(m, dict)}) > 1
    )


def _never_recreate(task: Task) -> bool:
    # Re-creating a Namespace or a CRD would delete everything inside it.
    return task.kind == "Namespace" or (task.kind == CRD_KIND and task.group == CRD_GROUP)


def _recreate(port: ClusterPort, task: Task, timeout: float = 30.0) -> None:
    port.delete(task.api_version, task.kind, task.namespace, task.name, propagation="Background")
    deadline = time.monotonic() + timeout
    while port.get(task.api_version, task.kind, task.namespace, task.name) is not None:
        if time.monotonic() > deadline:
            raise ConflictError("still being deleted, cannot re-create", str(task.key))
        time.sleep(0.05)
    port.create(task.obj, dry_run=False)


def wait_for_crd(port: ClusterPort, task: Task, timeout: float) -> None:
    """After a CRD is applied, wait (bounded) until its kind is served."""
    spec = task.obj.get("spec") or {}
    group = spec.get("group")
    kind = (spec.get("names") or {}).get("kind")
    versions = [v.get("name") for v in spec.get("versions") or [] if isinstance(v, dict)]
    if not (isinstance(group, str) and isinstance(kind, str) and versions):
        return
    api_version = f"{group}/{versions[0]}"
    deadline = time.monotonic() + timeout
    while port.namespaced(api_version, kind) is None and time.monotonic() < deadline:
        time.sleep(0.05)


def delete_hook(port: ClusterPort, task: Task, live: dict[str, Any] | None = None) -> bool:
    """Delete a hook object, releasing gitsync's finalizer first. False when already gone."""
    if live is None:
        live = port.get(task.api_version, task.kind, task.namespace, task.name)
        if live is None:
            return False
    if HOOK_FINALIZER in finalizers_of(live):
        port.remove_finalizer(
            task.api_version, task.kind, task.namespace, task.name, HOOK_FINALIZER
        )
    if is_deleting(live):
        return True
    try:
        return port.delete(
            task.api_version, task.kind, task.namespace, task.name, propagation="Background"
        )
    except NotFoundError:
        return False
