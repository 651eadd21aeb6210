"""`ClusterPort` over `gitsync.kube.Cluster`, with per-request retries of transient errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from gitsync.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnavailableError,
    UnknownKindError,
)
from gitsync.kube import Cluster
from gitsync.kube.cluster import LIST_PAGE_SIZE
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.sync.port import ApplyOptions
from gitsync.sync.tracking import finalizers_of, is_tracked_by

T = TypeVar("T")

# A LIST returns every object of the kind in the namespace, not just the wanted ones:
# read at most this many per wanted name before reading the rest one by one.
ITEMS_PER_NAME = 8


class KubePort:
    """The sync operation's view of one cluster.

    Transient failures (unreachable, 5xx, 429, 409 conflicts) are retried a few times with
    a short backoff; anything else reaches the operation, which records it on the task.
    """

    def __init__(
        self,
        cluster: Cluster,
        *,
        attempts: int = 4,
        backoff: float = 0.05,
        namespaces: Sequence[str] | None = None,
    ) -> None:
        """`namespaces`: list tracked objects in these only (namespace-scoped mode)."""
        self.cluster = cluster
        self.namespaces = tuple(namespaces) if namespaces else None
        self.attempts = max(attempts, 1)
        self.backoff = backoff
        self.list_page_size = LIST_PAGE_SIZE

    @classmethod
    def from_kubeconfig(
        cls, path: str | None, context: str | None, *, qps: float = 50, burst: int = 100
    ) -> KubePort:
        return cls(Cluster.from_kubeconfig(path, context, qps=qps, burst=burst))

    def _retry(self, call: Callable[[], T]) -> T:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except (UnavailableError, ConflictError):
                if attempt == self.attempts:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def namespaced(self, api_version: str, kind: str) -> bool | None:
        try:
            info = self._retry(lambda: self.cluster.resource_for(api_version, kind))
        except (UnknownKindError, NotFoundError):
            return None
        return bool(info.namespaced)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self._retry(lambda: self.cluster.get(api_version, kind, namespace, name))
        except (NotFoundError, UnknownKindError):
            return None

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        wanted = set(names)
        scoped = self.namespaced(api_version, kind)
        if scoped is None:
            return dict.fromkeys(wanted)  # not served: none of them can exist
        if scoped and not namespace:
            return {}  # `get` resolves the default namespace
        where = namespace if scoped else None

        def call() -> dict[str, dict[str, Any] | None]:
            # First everything of the kind there, reading at most ITEMS_PER_NAME objects
            # per wanted name: in a namespace of the app's own this is the whole list.
            budget = ITEMS_PER_NAME * len(wanted)
            found, complete = self._scan(api_version, kind, where, None, wanted, budget)
            if complete:
                return {name: found.get(name) for name in wanted}  # absent = gone
            if app and len(found) < len(wanted):
                # A crowded namespace: what the app applied before carries its label.
                selector = f"{TRACKING_LABEL}={app}"
                rest = wanted - set(found)
                more, _ = self._scan(api_version, kind, where, selector, rest, budget)
                found.update(more)
            return dict(found)  # the names not found are left to `get`

        try:
            return self._retry(call)
        except (UnknownKindError, NotFoundError):
            return dict.fromkeys(wanted)
        except ForbiddenError:
            return {}  # allowed to get but not to list: read one by one

    def _scan(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        selector: str | None,
        wanted: set[str],
        budget: int,
    ) -> tuple[dict[str, dict[str, Any] | None], bool]:
        """Wanted objects met in a list, reading at most about `budget` items; and whether
        the list was read to its end."""
        found: dict[str, dict[str, Any] | None] = {}
        size = max(1, min(self.list_page_size, budget))
        pages = self.cluster.list_pages(
            api_version, kind, namespace=namespace, label_selector=selector, limit=size
        )
        read = 0
        for page in pages:
            read += len(page.items)
            for item in page.items:
                name = (item.get("metadata") or {}).get("name")
                if name in wanted:
                    found[name] = item
            if not page.more:
                return found, True
            if len(found) == len(wanted) or read >= budget:
                break
        return found, False

    def list_tracked(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        selector = f"{TRACKING_LABEL}={app}"
        for api_version, kind in kinds:
            scopes: Sequence[str | None] = (None,)
            if self.namespaces is not None:
                if not self.namespaced(api_version, kind):
                    continue  # cluster-scoped kinds are not managed in namespace-scoped mode
                scopes = self.namespaces

            def call(
                av: str = api_version, k: str = kind, within: Sequence[str | None] = scopes
            ) -> list[dict[str, Any]]:
                return [
                    item
                    for scope in within
                    for item in self.cluster.list(av, k, namespace=scope, label_selector=selector)
                ]

            try:
                items = self._retry(call)
            except (UnknownKindError, NotFoundError):
                continue  # not served: nothing of that kind can be live
            for item in items:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                if is_tracked_by(item, app):
                    found.append(item)
        return found

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, options: ApplyOptions | None = None
    ) -> dict[str, Any]:
        opts = options or ApplyOptions()
        if not opts.server_side:
            # gitsync always applies server-side; ServerSideApply=false keeps its meaning of
            # "do not force conflicts with other managers" where that matters.
            return self._retry(lambda: self.cluster.apply(obj, dry_run=dry_run, force=False))
        return self._retry(lambda: self.cluster.apply(obj, dry_run=dry_run))

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return self._retry(lambda: self.cluster.create(obj, dry_run=dry_run))

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return self._retry(lambda: self.cluster.replace(obj, dry_run=dry_run))

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, *, propagation: str
    ) -> bool:
        try:
            self._retry(
                lambda: self.cluster.delete(
                    api_version, kind, namespace, name, propagation=propagation
                )
            )
        except NotFoundError:
            return False
        return True

    def remove_finalizer(
        self, api_version: str, kind: str, namespace: str, name: str, finalizer: str
    ) -> None:
        for _ in range(self.attempts):
            live = self.get(api_version, kind, namespace, name)
            if live is None or finalizer not in finalizers_of(live):
                return
            remaining = [f for f in finalizers_of(live) if f != finalizer]
            try:
                self.cluster.patch(
                    api_version,
                    kind,
                    namespace,
                    name,
                    [{"op": "replace", "path": "/metadata/finalizers", "value": remaining}],
                    patch_type="json",
                )
                return
            except NotFoundError:
                return
            except (ConflictError, UnavailableError):
                time.sleep(self.backoff)  # stale resourceVersion: read again
        raise ConflictError(f"could not remove finalizer {finalizer}", f"{kind}/{name}")
