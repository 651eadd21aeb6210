"""The differ's view of a cluster with reads served from the watch cache.

Steady-state reconciles then cost no request: gets and lists come from `LiveCache`
(which holds every object carrying the tracking label), only dry-run applies go out.
"""

from __future__ import annotations

from typing import Any

from gitsync.errors import UnknownKindError
from gitsync.kube import Cluster, LiveCache
from gitsync.model.keys import ResourceKey


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
