"""Diffing an application against a live cluster (the I/O half of gitsync.diff).

Per desired resource: read live; Missing when absent (no dry-run: nothing to predict
against, and the namespace may not exist yet). When live is present, the cheapest answer
that is still correct wins:
1. the cached result, if desired content, rules and live resourceVersion are unchanged;
2. Synced without a dry-run, when live already holds every field desired sets and every
   field gitsync's manager owns is still desired (so the apply could neither set nor
   remove anything);
3. otherwise a server-side apply dry-run, compared with live by the pure core.
Then every live object that carries the app's tracking label and a tracking annotation
naming it, but is not desired, is RequiresPruning. Hooks take no part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from gitsync.diff.cache import DiffCache, content_hash
from gitsync.diff.core import NO_RULES, diff_objects
from gitsync.diff.ignore import IgnoreDifferences
from gitsync.diff.noop import apply_is_noop
from gitsync.diff.normalize import clone, is_secret
from gitsync.diff.result import AppDiff, ResourceDiff
from gitsync.diff.scrub import scrub_secret_error
from gitsync.errors import KubeError, NotFoundError, UnknownKindError
from gitsync.model.annotations import TRACKING_ANNOTATION, TRACKING_LABEL, hook_phases
from gitsync.model.enums import SyncStatus
from gitsync.model.keys import ResourceKey

# Kinds searched for tracked leftovers besides the kinds the app's manifests use.
PRUNE_CANDIDATE_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Namespace"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
)


class LiveCluster(Protocol):
    """What the differ needs from gitsync.kube's Cluster."""

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, field_manager: str = ...
    ) -> dict[str, Any]: ...

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None: ...

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...


def tracking_id(app: str, key: ResourceKey) -> str:
    return f"{app}:{key.group}/{key.kind}:{key.namespace}/{key.name}"


def with_tracking(obj: dict[str, Any], app: str) -> dict[str, Any]:
    """A copy of `obj` labelled and annotated as the sync engine applies it."""
    result: dict[str, Any] = clone(obj)
    meta = result.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), TRACKING_LABEL: app}
    annotations = meta.get("annotations") or {}
    meta["annotations"] = {
        **annotations,
        TRACKING_ANNOTATION: tracking_id(app, ResourceKey.of(obj)),
    }
    return result


def is_hook(obj: dict[str, Any]) -> bool:
    """Hooks (and ``hook: Skip`` objects) are not part of an app's diff."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    hook, skip, _ = hook_phases(annotations)
    return hook or skip


def is_tracked_by(obj: dict[str, Any], app: str) -> bool:
    """Carries the app's label and an annotation naming this very object.

    The annotation check stops a copied object (label and all) from counting as the app's.
    """
    meta = obj.get("metadata") or {}
    if (meta.get("labels") or {}).get(TRACKING_LABEL) != app:
        return False
    return (meta.get("annotations") or {}).get(TRACKING_ANNOTATION) == tracking_id(
        app, ResourceKey.of(obj)
    )


class LiveDiffer:
    """Diffs applications against one cluster; keep one per cluster to reuse its cache."""

    def __init__(
        self,
        cluster: LiveCluster,
        *,
        field_manager: str = "gitsync",
        cache: DiffCache | None = None,
        prune_kinds: Sequence[tuple[str, str]] = PRUNE_CANDIDATE_KINDS,
    ) -> None:
        self.cluster = cluster
        self.field_manager = field_manager
        self.cache = cache if cache is not None else DiffCache()
        self.prune_kinds = tuple(prune_kinds)
        self.dry_runs = 0

    def diff_app(
        self,
        app: str,
        desired: Iterable[dict[str, Any]],
        *,
        ignore: IgnoreDifferences = NO_RULES,
        extra_kinds: Iterable[tuple[str, str]] = (),
    ) -> AppDiff:
        """Compare `desired` (namespaces already filled in) with the cluster.

        Leftovers are searched among the desired kinds, `prune_kinds` and `extra_kinds`
        ((apiVersion, kind) pairs, e.g. the kinds the app's last sync applied).
        """
        results: dict[ResourceKey, ResourceDiff] = {}
        api_versions: dict[str, str] = {}
        for obj in desired:
            if is_hook(obj):
                continue
            key = ResourceKey.of(obj)
            results[key] = self.diff_resource(app, obj, ignore=ignore)
            api_versions.setdefault(key.kind, str(obj.get("apiVersion")))
        for api_version, kind in extra_kinds:
            api_versions.setdefault(kind, api_version)
        for live in self._tracked_live(app, api_versions):
            key = ResourceKey.of(live)
            if key not in results and not is_hook(live):
                results[key] = diff_objects(None, live, key, ignore=ignore)
        return AppDiff.of(list(results.values()))

    def diff_resource(
        self, app: str, desired: dict[str, Any], *, ignore: IgnoreDifferences = NO_RULES
    ) -> ResourceDiff:
        key = ResourceKey.of(desired)
        applied = with_tracking(desired, app)
        live = self._get(applied, key)
        if live is None:
            return diff_objects(desired, None, key, ignore=ignore)

        cache_key = (
            key,
            content_hash(applied, ignore.fingerprint()),
            str((live.get("metadata") or {}).get("resourceVersion") or ""),
        )
        cached = self.cache.get(cache_key) if cache_key[2] else None
        if cached is not None:
            return cached
        if apply_is_noop(applied, live, self.field_manager):
            result = ResourceDiff(key, SyncStatus.SYNCED)
        else:
            result = diff_objects(self._dry_run(applied, key), live, key, ignore=ignore)
        if cache_key[2]:
            self.cache.put(cache_key, result)
        return result

    def _dry_run(self, applied: dict[str, Any], key: ResourceKey) -> dict[str, Any]:
        self.dry_runs += 1
        try:
            return self.cluster.apply(applied, dry_run=True, field_manager=self.field_manager)
        except KubeError as err:
            if is_secret(applied):
                raise scrub_secret_error(err, applied) from None
            raise

    def _get(self, obj: dict[str, Any], key: ResourceKey) -> dict[str, Any] | None:
        try:
            return self.cluster.get(
                str(obj.get("apiVersion")), key.kind, key.namespace or None, key.name
            )
        except UnknownKindError:
            return None  # e.g. a custom resource whose CRD is not installed yet: Missing

    def _tracked_live(self, app: str, api_versions: dict[str, str]) -> list[dict[str, Any]]:
        kinds = dict(api_versions)
        for api_version, kind in self.prune_kinds:
            kinds.setdefault(kind, api_version)
        found: list[dict[str, Any]] = []
        for kind, api_version in sorted(kinds.items()):
            try:
                items = self.cluster.list(
                    api_version, kind, namespace=None, label_selector=f"{TRACKING_LABEL}={app}"
                )
            except (UnknownKindError, NotFoundError):
                continue  # kind not served by this cluster: nothing of it can be live
            for item in items:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                if is_tracked_by(item, app):
                    found.append(item)
        return found
