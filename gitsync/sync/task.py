"""One step of a sync: apply a desired object, run a hook, or prune a live object."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitsync.model.enums import HookDeletePolicy, SyncPhase
from gitsync.model.keys import ResourceKey, split_api_version
from gitsync.sync.options import TaskOptions

# Order in which delete policies are listed (plan output, state records).
_POLICY_ORDER = (
    HookDeletePolicy.BEFORE_HOOK_CREATION,
    HookDeletePolicy.HOOK_SUCCEEDED,
    HookDeletePolicy.HOOK_FAILED,
)


class TaskType(StrEnum):
    """What a sync task does: apply a manifest, run a hook, or prune."""

    APPLY = "apply"
    HOOK = "hook"
    PRUNE = "prune"


@dataclass(frozen=True, slots=True)
class Task:
    """A planned action on one object in one phase and wave.

    `obj` is what gets sent to the API server for apply and hook tasks (name generated,
    namespace resolved, tracking metadata and hook finalizer added), and the live object
    for prune tasks. `key.namespace` is empty for cluster-scoped objects. `options` are
    the object's own sync options merged over the application's. `track` is False for
    objects gitsync creates on the side (a CreateNamespace namespace): they get no
    tracking metadata and are never pruned.
    """

    type: TaskType
    phase: SyncPhase
    wave: int
    key: ResourceKey
    api_version: str
    obj: dict[str, Any] = field(compare=False, repr=False)
    options: TaskOptions = field(default_factory=TaskOptions)
    delete_policies: frozenset[HookDeletePolicy] = frozenset()
    track: bool = True
    source: str = ""

    @property
    def id(self) -> str:
        """Unique inside one plan: a hook running in two phases is two tasks."""
        k = self.key
        return f"{self.phase}:{k.group}/{k.kind}:{k.namespace}/{k.name}"

    @property
    def hook(self) -> bool:
        return self.type is TaskType.HOOK

    @property
    def prune(self) -> bool:
        return self.type is TaskType.PRUNE

    @property
    def group(self) -> str:
        return self.key.group

    @property
    def version(self) -> str:
        return split_api_version(self.api_version)[1]

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def namespace(self) -> str:
        return self.key.namespace

    @property
    def name(self) -> str:
        return self.key.name

    def has_policy(self, policy: HookDeletePolicy) -> bool:
        return self.hook and policy in self.delete_policies

    @property
    def policy_names(self) -> list[str]:
        return [str(p) for p in _POLICY_ORDER if p in self.delete_policies]

    def summary(self) -> dict[str, Any]:
        """The task as ``gitsync plan -o json`` prints it."""
        return {
            "phase": str(self.phase),
            "wave": self.wave,
            "group": self.group,
            "version": self.version,
            "kind": self.kind,
            "namespace": self.namespace or None,
            "name": self.name,
            "hook": self.hook,
            "deletePolicies": self.policy_names,
        }
