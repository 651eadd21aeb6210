"""What to do with the Applications an ApplicationSet generated before, under its
`syncPolicy.applicationsSync` and `preserveResourcesOnDeletion`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gitsync.model import Application, AppSetSyncPolicy


@dataclass(frozen=True)
class Changes:
    """What one expansion does to an ApplicationSet's Applications, after its sync policy."""

    create: tuple[Application, ...] = ()
    update: tuple[Application, ...] = ()  # the newly generated versions
    delete: tuple[Application, ...] = ()  # the previous versions
    keep: tuple[Application, ...] = ()  # unchanged, or changes the policy forbids
    # False when `preserveResourcesOnDeletion` is set: deleting an Application then
    # leaves its resources in the cluster.
    delete_resources: bool = True


def reconcile_generated(
    previous: list[Application], generated: list[Application], policy: AppSetSyncPolicy
) -> Changes:
    """Compare the last generation with this one. Every Application lands in exactly one
    list: `create` (new names), `update` (changed and the policy allows it), `delete`
    (gone and the policy allows it), `keep` (the version that stays: the previous one
    when an update is not allowed or a removed app may not be deleted)."""
    mode = policy.applications_sync
    before = {app.name: app for app in previous}
    now = {app.name: app for app in generated}
    create: list[Application] = []
    update: list[Application] = []
    delete: list[Application] = []
    keep: list[Application] = []
    for name in sorted(now):
        new = now[name]
        old = before.get(name)
        if old is None:
            create.append(new)
        elif _content(old) == _content(new):
            keep.append(old)
        elif mode.may_update:
            update.append(new)
        else:
            keep.append(old)
    for name in sorted(set(before) - set(now)):
        (delete if mode.may_delete else keep).append(before[name])
    keep.sort(key=lambda app: app.name)
    return Changes(
        create=tuple(create),
        update=tuple(update),
        delete=tuple(delete),
        keep=tuple(keep),
        delete_resources=not policy.preserve_resources_on_deletion,
    )


def _content(app: Application) -> str:
    """What an update would change: labels, annotations, finalizers and spec."""
    meta = app.obj.get("metadata") or {}
    relevant: dict[str, Any] = {
        "labels": meta.get("labels") or {},
        "annotations": meta.get("annotations") or {},
        "finalizers": meta.get("finalizers") or [],
        "spec": app.obj.get("spec") or {},
    }
    return json.dumps(relevant, sort_keys=True, default=str)
