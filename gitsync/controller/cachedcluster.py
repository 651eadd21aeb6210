"""The differ's view of a cluster with reads served from the watch cache.

Steady-state reconciles then cost no request: gets and lists come from `LiveCache`
(which holds every object carrying the tracking label), only dry-run applies go out.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from gitsync.errors import KubeError, UnknownKindError
from gitsync.kube import Cluster, LiveCache
from gitsync.kube.watch import version_number
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.model.keys import ResourceKey
from gitsync.sync.kubeport import KubePort
from gitsync.sync.port import ApplyOptions
from gitsync.sync.preflightpolicy import PreflightMode
from gitsync.sync.reads import CACHE_WAIT
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


# Deleted objects remembered until the watch cache shows them gone (bounded: the oldest
# are forgotten first, and their keys are then read from the server like any other miss).
DELETED_KEPT = 10_000


class CachedKubePort(KubePort):
    """The sync runner's port for the controller: the prune candidates of a plan (every
    object carrying the app's tracking label) come from the watch cache, which holds
    exactly the objects with that label, instead of one LIST per kind per app; so does
    the read before an apply (`cached_live`). Writes go to the API server, and the port
    remembers the newest version each kind's writes returned, so the cache answers for a
    kind only once it has seen this process's own last write of it."""

    def __init__(
        self, cluster: Cluster, cache: LiveCache, namespaces: Sequence[str] | None = None
    ) -> None:
        super().__init__(cluster, namespaces=namespaces)
        self.cache = cache
        self._lock = threading.Lock()
        self._written: dict[tuple[str, str], int] = {}  # (group, kind) -> newest version
        self._deleted: OrderedDict[ResourceKey, str] = OrderedDict()  # key -> uid deleted

    # -- writes: remember what the cache must have seen before it answers ------------------
    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, options: ApplyOptions | None = None
    ) -> dict[str, Any]:
        written = super().apply(obj, dry_run=dry_run, options=options)
        if not dry_run:
            self._note_write(written)
        return written

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        written = super().create(obj, dry_run=dry_run)
        if not dry_run:
            self._note_write(written)
        return written

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        written = super().replace(obj, dry_run=dry_run)
        if not dry_run:
            self._note_write(written)
        return written

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, *, propagation: str
    ) -> bool:
        group = api_version.rpartition("/")[0]
        key = ResourceKey(group, kind, namespace or "", name)
        cached = self.cache.get(key)
        uid = str(((cached or {}).get("metadata") or {}).get("uid") or "")
        if cached is not None:
            with self._lock:
                self._deleted[key] = uid
                while len(self._deleted) > DELETED_KEPT:
                    self._deleted.popitem(last=False)
        return super().delete(api_version, kind, namespace, name, propagation=propagation)

    def _note_write(self, written: dict[str, Any]) -> None:
        meta = written.get("metadata") or {}
        version = version_number(str(meta.get("resourceVersion") or ""))
        if version is None:
            return
        group = str(written.get("apiVersion") or "").rpartition("/")[0]
        kind = str(written.get("kind") or "")
        with self._lock:
            if version > self._written.get((group, kind), -1):
                self._written[(group, kind)] = version

    def cached_live(self, api_version: str, key: ResourceKey) -> tuple[bool, dict[str, Any] | None]:
        """Whether the watch cache can answer for the object now: (known, live object).

        It can once it watches the kind and has seen the newest version this process
        wrote of the kind, so its copy is never older than our own writes (a sync right
        after another would otherwise skip a write as "unchanged" against the first
        one's stale copy). An object it does not hold is taken as absent: the cache holds
        every object carrying the tracking label, so a missing one is new or one the app
        adopts, and the apply creates or adopts it alike. A copy of an object deleted
        here and not yet seen gone is never given."""
        if not self._watching(api_version, key.kind):
            return False, None
        with self._lock:
            written = self._written.get((key.group, key.kind))
            deleted_uid = self._deleted.get(key)
        if written is not None and not self.cache.fresh_after(
            api_version, key.kind, str(written), CACHE_WAIT
        ):
            return False, None
        found = self.cache.get(key)
        if deleted_uid is not None:
            uid = str(((found or {}).get("metadata") or {}).get("uid") or "")
            if found is not None and uid == deleted_uid:
                return False, None  # the cache has not seen the deletion yet
            with self._lock:
                self._deleted.pop(key, None)
        return True, found

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
        if not self._watching(api_version, key.kind):
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
        if not self._watching(task.api_version, task.kind):
            return False, None
        return True, self.cache.get(task.key)

    def _watching(self, api_version: str, kind: str) -> bool:
        """The cache watches the kind (started now if need be); False when it cannot."""
        try:
            self.cache.ensure_kind(api_version, kind)
        except KubeError:
            return False
        return True

    def schema_preflight(self, facts: CachedFacts, mode: PreflightMode) -> SchemaPreflight | None:
        """The pre-flight of one operation: the cluster facts read from a cache without a
        label selector, whether objects exist from the watch cache."""
        if mode is PreflightMode.SERVER:
            return None
        return SchemaPreflight(self.cluster, facts.read(), mode, known_live=self.known_live)
