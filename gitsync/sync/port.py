"""The small interface through which a sync operation talks to a cluster.

`gitsync.sync.kubeport.KubePort` implements it over `gitsync.kube.Cluster`; unit tests
use an in-memory fake. Errors are gitsync's own (`gitsync.errors.KubeError` subclasses).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from gitsync.model.keys import ResourceKey


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """How one object is written (from its sync options)."""

    server_side: bool = True
    force: bool = False
    validate: bool = True


class ClusterPort(Protocol):
    """What the sync engine needs from a cluster: kinds, reads, apply, delete."""

    def namespaced(self, api_version: str, kind: str) -> bool | None:
        """Whether the kind is namespaced; None when the cluster does not serve it."""
        ...

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        ...

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        """Several objects of one kind in one namespace ("" when cluster-scoped) read at
        once, e.g. with one LIST: name -> live object, or None when it does not exist.
        `app` names the app syncing them (its tracking label may narrow a long list).

        A name left out of the answer was not decided (the list was too long to page
        through, or may not be listed); the caller reads it with `get`.
        """
        ...

    def list_tracked(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """Live objects of these (apiVersion, kind) pairs labelled as belonging to `app`."""
        ...

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, options: ApplyOptions | None = None
    ) -> dict[str, Any]:
        """Apply `obj` (server-side unless told otherwise); returns the resulting object."""
        ...

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """PUT `obj` (its metadata.resourceVersion, when set, guards against races)."""
        ...

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, *, propagation: str
    ) -> bool:
        """Start deleting; False when the object was already gone."""
        ...

    def remove_finalizer(
        self, api_version: str, kind: str, namespace: str, name: str, finalizer: str
    ) -> None:
        """Drop one finalizer from the live object (nothing when absent or gone)."""
        ...


@runtime_checkable
class CachedReads(Protocol):
    """A port whose reads may come from a watch cache (the controller's)."""

    def cached_after(
        self, api_version: str, key: ResourceKey, resource_version: str, timeout: float
    ) -> dict[str, Any] | None:
        """The object from a cache that has seen the kind at `resource_version` or later
        (waiting at most `timeout` seconds for it); None when the cache cannot tell, and
        the caller reads the object from the server. Never a copy older than that version:
        it could show an old Deployment healthy. The object is shared: do not change it."""
        ...

    def cached_live(self, api_version: str, key: ResourceKey) -> tuple[bool, dict[str, Any] | None]:
        """(known, object): whether the cache can answer for the object now, and the
        object (None: absent). Unknown means read it from the server. The object is
        shared: do not change it."""
        ...
