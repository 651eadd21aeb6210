"""The ordered task list of a sync (pure: manifests and live objects in, tasks out).

Order (gitops-engine pkg/sync/sync_tasks.go): phase, wave, kind, name; prunes first
inside their wave. Then a Namespace moves before the first object placed in it and a CRD
before the first custom resource of its kind, taking that object's phase and wave.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gitsync.errors import PlanError
from gitsync.model.annotations import (
    SyncOptions,
    hook_phases,
    parse_sync_annotations,
    sync_wave,
)
from gitsync.model.enums import SyncPhase
from gitsync.model.identity import IdentityError, check_namespace
from gitsync.model.keys import ResourceKey
from gitsync.model.manifest import Manifest
from gitsync.sync.kinds import CRD_GROUP, CRD_KIND, ScopeLookup, builtin_scope, kind_rank
from gitsync.sync.options import TaskOptions
from gitsync.sync.task import Task, TaskType
from gitsync.sync.tracking import HOOK_FINALIZER, add_tracking, annotations_of, is_tracked_by


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """What the plan needs beyond the manifests.

    `started_at` (unix seconds) and `revision` name generateName-only hooks. `scope`
    answers namespaced-ness from the cluster when one is at hand.
    """

    app: str = ""
    revision: str = ""
    started_at: int = 0
    dest_namespace: str = ""
    sync_options: SyncOptions = field(default_factory=SyncOptions)
    scope: ScopeLookup | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Tasks in execution order; SyncFail tasks come last and run only after a failure.

    `desired_count` counts the app's desired objects (not hooks), also when the plan
    is narrowed to `selected` resources (`gitsync.sync.selection`)."""

    tasks: tuple[Task, ...]
    fingerprint: str
    settings: PlanSettings = field(default_factory=PlanSettings)
    desired_count: int = 0
    selected: tuple[ResourceKey, ...] = ()

    def summaries(self) -> list[dict[str, Any]]:
        return [t.summary() for t in self.tasks]

    def task(self, task_id: str) -> Task | None:
        for t in self.tasks:
            if t.id == task_id:
                return t
        return None


def hook_name(generate_name: str, revision: str, phase: SyncPhase, started_at: int) -> str:
    """generateName + lower("<rev[:7]>-<phase>-<operation start unix time>")."""
    return generate_name + f"{revision[:7]}-{phase}-{started_at}".lower()


def build_plan(
    manifests: Sequence[Manifest],
    settings: PlanSettings,
    live: Iterable[dict[str, Any]] = (),
) -> Plan:
    """The sync plan of `manifests`; `live` are the app's live objects (prune candidates)."""
    if settings.dest_namespace:
        try:
            check_namespace(settings.dest_namespace, "destination namespace")
        except IdentityError as err:
            raise PlanError(str(err)) from None
    scope = _scope_lookup(manifests, settings.scope)
    tasks: list[Task] = []
    desired: set[ResourceKey] = set()
    for manifest in manifests:
        key = _resolved_key(manifest.key, scope, settings.dest_namespace)
        if manifest.sync.skip:
            desired.add(key)
            continue
        if manifest.sync.is_hook:
            tasks.extend(_hook_tasks(manifest, key, settings))
            continue
        if key in desired:
            raise PlanError(f"{key} is defined twice ({manifest.source or 'no source'})")
        desired.add(key)
        tasks.append(_task(manifest, key, SyncPhase.SYNC, TaskType.APPLY, settings))
    tasks.extend(_create_namespace_task(manifests, settings))
    tasks.extend(_prune_tasks(live, desired, scope, settings))
    tasks = _order(_adjust_prune_waves(tasks))
    return Plan(
        tasks=tuple(tasks),
        fingerprint=fingerprint(manifests, settings),
        settings=settings,
        desired_count=sum(1 for m in manifests if not m.sync.is_hook and not m.sync.skip),
    )


def fingerprint(manifests: Sequence[Manifest], settings: PlanSettings) -> str:
    """Identity of what is being synced (not of when): changes when Git content changes."""
    digest = hashlib.sha256()
    head = [settings.app, settings.dest_namespace, list(settings.sync_options.values)]
    digest.update(json.dumps(head, sort_keys=True).encode())
    for text in sorted(json.dumps(m.obj, sort_keys=True, default=str) for m in manifests):
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def _scope_lookup(manifests: Sequence[Manifest], cluster: ScopeLookup | None) -> ScopeLookup:
    """CRDs in the set first, then the cluster, then the built-in table; else namespaced."""
    from_crds: dict[tuple[str, str], bool] = {}
    for m in manifests:
        crd = _crd_target(m.obj) if m.kind == CRD_KIND and m.group == CRD_GROUP else None
        if crd is not None:
            spec = m.obj.get("spec") or {}
            from_crds[crd] = str(spec.get("scope") or "Namespaced") != "Cluster"

    def lookup(group: str, kind: str) -> bool:
        if (group, kind) in from_crds:
            return from_crds[(group, kind)]
        for source in (cluster, builtin_scope):
            if source is not None:
                answer = source(group, kind)
                if answer is not None:
                    return answer
        return True

    return lookup


def _resolved_key(key: ResourceKey, scope: ScopeLookup, dest_namespace: str) -> ResourceKey:
    if not scope(key.group, key.kind):
        return key.with_namespace("")
    return key if key.namespace else key.with_namespace(dest_namespace)


def _hook_tasks(manifest: Manifest, key: ResourceKey, settings: PlanSettings) -> list[Task]:
    out = []
    for phase in manifest.sync.hook_phases:
        hook_key = key
        if not key.name:
            name = hook_name(manifest.generate_name, settings.revision, phase, settings.started_at)
            hook_key = ResourceKey(key.group, key.kind, key.namespace, name)
        out.append(_task(manifest, hook_key, phase, TaskType.HOOK, settings))
    return out


def _task(
    manifest: Manifest,
    key: ResourceKey,
    phase: SyncPhase,
    task_type: TaskType,
    settings: PlanSettings,
) -> Task:
    obj = copy.deepcopy(manifest.obj)
    meta = obj.setdefault("metadata", {})
    meta["name"] = key.name
    meta.pop("generateName", None)
    if key.namespace:
        meta["namespace"] = key.namespace
    else:
        meta.pop("namespace", None)
    add_tracking(obj, settings.app, key)
    if task_type is TaskType.HOOK:
        finalizers = list(meta.get("finalizers") or [])
        if HOOK_FINALIZER not in finalizers:
            meta["finalizers"] = [*finalizers, HOOK_FINALIZER]
    return Task(
        type=task_type,
        phase=phase,
        wave=manifest.sync.wave,
        key=key,
        api_version=manifest.api_version,
        obj=obj,
        options=TaskOptions.of(manifest.sync.sync_options.merged_over(settings.sync_options)),
        delete_policies=(
            manifest.sync.delete_policies if task_type is TaskType.HOOK else frozenset()
        ),
        source=manifest.source,
    )


def _create_namespace_task(manifests: Sequence[Manifest], settings: PlanSettings) -> list[Task]:
    """``CreateNamespace=true``: the destination namespace, untracked, early in PreSync."""
    ns = settings.dest_namespace
    app_options = TaskOptions.of(settings.sync_options)
    if not ns or not app_options.create_namespace:
        return []
    if any(m.kind == "Namespace" and m.group == "" and m.key.name == ns for m in manifests):
        return []
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    return [
        Task(
            type=TaskType.APPLY,
            phase=SyncPhase.PRE_SYNC,
            wave=0,
            key=ResourceKey("", "Namespace", "", ns),
            api_version="v1",
            obj=obj,
            options=app_options,
            track=False,
        )
    ]


def _prune_tasks(
    live: Iterable[dict[str, Any]],
    desired: set[ResourceKey],
    scope: ScopeLookup,
    settings: PlanSettings,
) -> list[Task]:
    out = []
    for obj in live:
        key = ResourceKey.of(obj)
        if not scope(key.group, key.kind):
            key = key.with_namespace("")
        if key in desired or not is_tracked_by(obj, settings.app):
            continue
        annotations = annotations_of(obj)
        is_hook, skip, _ = hook_phases(annotations)
        if is_hook or skip:
            continue  # hooks are cleaned up by their delete policy, never pruned
        # Parsed without Manifest.from_object: a live object is the server's, not Git's.
        own = parse_sync_annotations(annotations).sync_options if annotations else SyncOptions()
        out.append(
            Task(
                type=TaskType.PRUNE,
                phase=SyncPhase.SYNC,
                wave=sync_wave(annotations),
                key=key,
                api_version=str(obj.get("apiVersion") or ""),
                obj=obj,
                options=TaskOptions.of(own.merged_over(settings.sync_options)),
            )
        )
    return out


def _adjust_prune_waves(tasks: list[Task]) -> list[Task]:
    """Prunes run in reverse wave order; PruneLast ones after the last Sync wave."""
    prune_waves = sorted({t.wave for t in tasks if t.prune})
    mirror = dict(zip(prune_waves, reversed(prune_waves), strict=True))
    tasks = [replace(t, wave=mirror[t.wave]) if t.prune else t for t in tasks]
    last = max([0, *(t.wave for t in tasks if t.phase is SyncPhase.SYNC)]) + 1
    return [replace(t, wave=last) if t.prune and t.options.prune_last else t for t in tasks]


def _sort_key(task: Task) -> tuple[int, int, int, int, str, str, str]:
    return (
        task.phase.order,
        task.wave,
        0 if task.prune else 1,
        kind_rank(task.kind),
        task.name,
        task.namespace,
        task.group,
    )


def _order(tasks: list[Task]) -> list[Task]:
    ordered = sorted(tasks, key=_sort_key)
    ordered = _hoist(ordered, _namespace_dep, _namespace_ref)
    return _hoist(ordered, _crd_dep, _crd_ref)


def _namespace_dep(task: Task) -> str | None:
    return task.name if task.kind == "Namespace" and task.group == "" else None


def _namespace_ref(task: Task) -> str | None:
    return task.namespace or None


def _crd_target(obj: dict[str, Any]) -> tuple[str, str] | None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names")
    group, kind = spec.get("group"), names.get("kind") if isinstance(names, dict) else None
    if isinstance(group, str) and isinstance(kind, str):
        return group, kind
    return None


def _crd_dep(task: Task) -> str | None:
    if task.kind != CRD_KIND or task.group != CRD_GROUP:
        return None
    target = _crd_target(task.obj)
    return f"{target[0]}/{target[1]}" if target else None


def _crd_ref(task: Task) -> str | None:
    return f"{task.group}/{task.kind}"


def _hoist(
    tasks: list[Task],
    dependency: Callable[[Task], str | None],
    reference: Callable[[Task], str | None],
) -> list[Task]:
    """Move each dependency before the first earlier task that needs it (never later)."""
    out = list(tasks)
    first_user: dict[str, int] = {}
    for index in range(len(out)):
        task = out[index]
        if task.prune:
            continue
        dep = dependency(task)
        if dep is not None:
            at = first_user.get(dep)
            if at is not None:
                user = out[at]
                moved = replace(task, phase=user.phase, wave=user.wave)
                del out[index]
                out.insert(at, moved)
                first_user = {k: (i + 1 if i >= at else i) for k, i in first_user.items()}
            continue
        ref = reference(task)
        if ref is not None:
            first_user.setdefault(ref, index)
    return out
