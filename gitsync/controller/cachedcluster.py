"""The differ's view of a cluster with reads served from the watch cache.

Steady-state reconciles then cost no request: gets and lists come from `LiveCache`
(which holds every object carrying the tracking label), only dry-run applies go out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from gitsync.errors import KubeError, UnknownKindError
from gitsync.kube import Cluster, LiveCache
from gitsync.kube.watch import version_number
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.model.keys import ResourceKey
from gitsync.sync.kubeport import KubePort
from gitsync.sync.preflightpolicy import PreflightMode
from gitsync.sync.schemapreflight import CachedFacts, SchemaPreflight
from gitsync.sync.task import Task


class CachedCluster:
    """A Cluster whose reads come from the watch-fed LiveCache; writes go to the API server."""

    def __init__(self, cluster: Cluster, cache: LiveCache) -> None:
        self.cluster = cluster
        self.cache = cache

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, field_manager: str = "gitsync"
    ) -> dict[str, Any]:
        return self.cluster.apply(obj, dry_run=dry_run, field_manager=field_manager)

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        self.cache.ensure_kind(api_version, kind)
        group = api_version.rpartition("/")[0]
        return self.cache.get(ResourceKey(group, kind, namespace or "", name))

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        try:
            self.cache.ensure_kind(api_version, kind)
        except UnknownKindError:
            return []
        if label_selector:
            found = self.cache.by_label(label_selector, [(api_version, kind)])
        else:
            found = self.cache.objects(api_version, kind)
        if namespace is None:
            return found
        return [o for o in found if (o.get("metadata") or {}).get("namespace") == namespace]


class CachedKubePort(KubePort):
    """The sync runner's port for the controller: the prune candidates of a plan (every
    object carrying the app's tracking label) come from the watch cache, which holds
    exactly the objects with that label, instead of one LIST per kind per app. Reads of
    single objects and all writes still go to the API server: an object without the
    label (one the app would adopt or conflict with) is not in the cache."""

    def __init__(
        self, cluster: Cluster, cache: LiveCache, namespaces: Sequence[str] | None = None
    ) -> None:
        super().__init__(cluster, namespaces=namespaces)
        self.cache = cache

    def list_tracked(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        served: list[tuple[str, str]] = []
        for api_version, kind in kinds:
            try:
                self.cache.ensure_kind(api_version, kind)
            except UnknownKindError:
                continue  # not served, or cluster-scoped in namespace-scoped mode
            served.append((api_version, kind))
        found = self.cache.by_label(f"{TRACKING_LABEL}={app}", served)
        return [copy.deepcopy(obj) for obj in found]

    def cached_after(
        self, api_version: str, key: ResourceKey, resource_version: str, timeout: float
    ) -> dict[str, Any] | None:
        """The object from the watch cache once it has seen `resource_version` (the one our
        write returned) or later; None otherwise, and the caller GETs it."""
        try:
            self.cache.ensure_kind(api_version, key.kind)
        except KubeError:
            return None
        if not self.cache.fresh_after(api_version, key.kind, resource_version, timeout):
            return None
        found = self.cache.get(key)
        if found is None:
            return None  # gone, or its label removed since: the server says which
        mine = version_number(resource_version)
        seen = version_number(str((found.get("metadata") or {}).get("resourceVersion") or ""))
        if mine is None or seen is None or seen < mine:
            return None  # never a copy older than our own write
        return found

    def known_live(self, task: Task) -> tuple[bool, dict[str, Any] | None]:
        """Whether the object exists, from the watch cache: (known, live object).

        The cache holds every object carrying the tracking label, which is every object
        gitsync wrote; one it does not hold is taken as absent. An object of the same
        name that gitsync never wrote (one the app adopts) is then checked as a create:
        its update-time rules (immutable fields) are met at its own write."""
        try:
            self.cache.ensure_kind(task.api_version, task.kind)
        except KubeError:
            return False, None
        return True, self.cache.get(task.key)

    def schema_preflight(self, facts: CachedFacts, mode: PreflightMode) -> SchemaPreflight | None:
        """The pre-flight of one operation: the cluster facts read from a cache without a
        label selector, whether objects exist from the watch cache."""
        if mode is PreflightMode.SERVER:
            return None
        return SchemaPreflight(self.cluster, facts.read(), mode, known_live=self.known_live)
