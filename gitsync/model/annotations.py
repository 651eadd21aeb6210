"""Argo CD and Helm annotations, parsed once per manifest (SEMANTICS.md, "Annotations")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gitsync.model.enums import HookDeletePolicy, SyncPhase

HOOK = "argocd.argoproj.io/hook"
HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
COMPARE_OPTIONS = "argocd.argoproj.io/compare-options"
IGNORE_HEALTHCHECK = "argocd.argoproj.io/ignore-healthcheck"
DELETION_APPROVED = "argocd.argoproj.io/deletion-approved"
MANIFEST_GENERATE_PATHS = "argocd.argoproj.io/manifest-generate-paths"
REFRESH = "argocd.argoproj.io/refresh"

HELM_HOOK = "helm.sh/hook"
HELM_HOOK_WEIGHT = "helm.sh/hook-weight"
HELM_HOOK_DELETE_POLICY = "helm.sh/hook-delete-policy"

# gitsync's own tracking: the label lets an app's live set be listed by selector, the
# annotation proves ownership before anything is pruned.
TRACKING_LABEL = "gitsync.io/app"
TRACKING_ANNOTATION = "gitsync.io/tracking-id"
SYNC_GATE = "gitsync.io/sync-gate"
DEPENDS_ON = "gitsync.io/depends-on"

_ARGO_HOOK_TYPES = {
    "PreSync": SyncPhase.PRE_SYNC,
    "Sync": SyncPhase.SYNC,
    "PostSync": SyncPhase.POST_SYNC,
    "SyncFail": SyncPhase.SYNC_FAIL,
}
_SKIP = "Skip"
_HELM_HOOK_TYPES = {
    "pre-install": SyncPhase.PRE_SYNC,
    "pre-upgrade": SyncPhase.PRE_SYNC,
    "post-install": SyncPhase.POST_SYNC,
    "post-upgrade": SyncPhase.POST_SYNC,
}
_ARGO_DELETE_POLICIES = {p.value: p for p in HookDeletePolicy}
_HELM_DELETE_POLICIES = {
    "hook-succeeded": HookDeletePolicy.HOOK_SUCCEEDED,
    "hook-failed": HookDeletePolicy.HOOK_FAILED,
    "before-hook-creation": HookDeletePolicy.BEFORE_HOOK_CREATION,
}


def csv(value: str | None) -> list[str]:
    """Comma-separated annotation value: trimmed, empty items dropped, de-duplicated in order."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for item in value.split(","):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """``Key=Value`` options from an annotation or ``spec.syncPolicy.syncOptions``."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, items: list[str]) -> SyncOptions:
        pairs: dict[str, str] = {}
        for item in items:
            key, sep, value = item.partition("=")
            pairs[key.strip()] = value.strip() if sep else "true"
        return cls(tuple(pairs.items()))

    def get(self, key: str) -> str | None:
        for k, v in self.values:
            if k == key:
                return v
        return None

    def is_set(self, key: str, value: str = "true") -> bool:
        found = self.get(key)
        return found is not None and found.lower() == value.lower()

    def merged_over(self, defaults: SyncOptions) -> SyncOptions:
        """These options, falling back to `defaults` (resource options beat app options)."""
        pairs = dict(defaults.values)
        pairs.update(self.values)
        return SyncOptions(tuple(pairs.items()))


@dataclass(frozen=True, slots=True)
class SyncAnnotations:
    """Everything the sync plan needs to know from one object's annotations."""

    is_hook: bool
    skip: bool
    hook_phases: tuple[SyncPhase, ...]
    wave: int
    delete_policies: frozenset[HookDeletePolicy]
    sync_options: SyncOptions
    compare_options: SyncOptions
    ignore_healthcheck: bool


def hook_phases(annotations: Mapping[str, str]) -> tuple[bool, bool, tuple[SyncPhase, ...]]:
    """(is_hook, skip, phases). The Argo CD annotation wins over Helm's.

    ``hook: Skip`` alone means the object is never applied. A Helm hook whose values map to
    no phase (e.g. ``test``) is still a hook, so it never runs; ``crd-install`` is not a hook.
    """
    if HOOK in annotations:
        values = csv(annotations[HOOK])
        if values == [_SKIP]:
            return False, True, ()
        phases = tuple(dict.fromkeys(_ARGO_HOOK_TYPES[v] for v in values if v in _ARGO_HOOK_TYPES))
        if not phases:
            phases = _helm_phases(annotations)
        return True, False, phases
    helm = annotations.get(HELM_HOOK)
    if helm is not None and helm.strip() != "crd-install":
        return True, False, _helm_phases(annotations)
    return False, False, ()


def _helm_phases(annotations: Mapping[str, str]) -> tuple[SyncPhase, ...]:
    values = csv(annotations.get(HELM_HOOK))
    return tuple(dict.fromkeys(_HELM_HOOK_TYPES[v] for v in values if v in _HELM_HOOK_TYPES))


def sync_wave(annotations: Mapping[str, str]) -> int:
    """``sync-wave`` if it is an integer, else ``helm.sh/hook-weight`` if one, else 0."""
    wave = _int_or_none(annotations.get(SYNC_WAVE))
    if wave is not None:
        return wave
    weight = _int_or_none(annotations.get(HELM_HOOK_WEIGHT))
    return weight if weight is not None else 0


def delete_policies(annotations: Mapping[str, str]) -> frozenset[HookDeletePolicy]:
    """Argo CD and Helm policies together; BeforeHookCreation when none is given."""
    found = {
        _ARGO_DELETE_POLICIES[v]
        for v in csv(annotations.get(HOOK_DELETE_POLICY))
        if v in _ARGO_DELETE_POLICIES
    }
    found |= {
        _HELM_DELETE_POLICIES[v]
        for v in csv(annotations.get(HELM_HOOK_DELETE_POLICY))
        if v in _HELM_DELETE_POLICIES
    }
    return frozenset(found) if found else frozenset({HookDeletePolicy.BEFORE_HOOK_CREATION})


def parse_sync_annotations(annotations: Mapping[str, str]) -> SyncAnnotations:
    is_hook, skip, phases = hook_phases(annotations)
    return SyncAnnotations(
        is_hook=is_hook,
        skip=skip,
        hook_phases=phases,
        wave=sync_wave(annotations),
        delete_policies=delete_policies(annotations) if is_hook else frozenset(),
        sync_options=SyncOptions.parse(csv(annotations.get(SYNC_OPTIONS))),
        compare_options=SyncOptions.parse(csv(annotations.get(COMPARE_OPTIONS))),
        ignore_healthcheck=annotations.get(IGNORE_HEALTHCHECK, "").strip().lower() == "true",
    )
