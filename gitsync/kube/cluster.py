"""`Cluster`: one API server, spoken to with plain dicts.

Discovery, get, list, server-side apply (and its dry run), create, replace, patch and
delete. Thread-safe: a sync applies from a worker pool while the controller reads. Every
failure is a gitsync error naming the resource as ``Kind/namespace/name``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from gitsync.errors import InvalidError, NotFoundError, UnknownKindError, UserInputError

from .config import ClusterConfig, load_in_cluster, load_kubeconfig
from .discovery import Discovery, ResourceInfo, segment
from .openapi import ClusterSchemas
from .ratelimit import DEFAULT_BURST, DEFAULT_QPS
from .stats import RequestStats
from .transport import Query, Transport

FIELD_MANAGER = "gitsync"
PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")
PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
APPLY_CONTENT_TYPE = PATCH_CONTENT_TYPES["apply"]
LIST_PAGE_SIZE = 500
DEFAULT_MAX_IN_FLIGHT = 16
DEFAULT_TIMEOUT = 30.0


def describe(kind: str, namespace: str | None, name: str) -> str:
    """``Kind/namespace/name``, or ``Kind/name`` when cluster-scoped."""
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


@dataclass(frozen=True)
class ListResult:
    """One LIST answer (or page): the items and the collection's resourceVersion."""

    items: list[dict[str, Any]]
    resource_version: str
    more: bool = False  # a page of `list_pages` with more pages after it


class Cluster:
    """A Kubernetes API server reached over HTTP, rate limited, with discovery cached."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        timeout: float = DEFAULT_TIMEOUT,
        name: str | None = None,
    ) -> None:
        self.name = name or config.name
        self.server = config.server.rstrip("/")
        self.default_namespace = config.namespace or "default"
        self.stats = RequestStats()
        self.transport = Transport(
            config,
            qps=qps,
            burst=burst,
            max_in_flight=max_in_flight,
            timeout=timeout,
            stats=self.stats,
        )
        self._discovery = Discovery(self.transport)
        # the cluster's OpenAPI v3, read on first use (a client-side check before writes)
        self.schemas = ClusterSchemas(self.transport)

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | Path | None = None,
        context: str | None = None,
        *,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        timeout: float = DEFAULT_TIMEOUT,
        name: str | None = None,
    ) -> Cluster:
        """Raises `ConfigError` (one line) for a missing file or an unknown context. Makes no
        request: call `ping()` to check the server answers."""
        return cls(
            load_kubeconfig(path, context),
            qps=qps,
            burst=burst,
            max_in_flight=max_in_flight,
            timeout=timeout,
            name=name,
        )

    @classmethod
    def in_cluster(
        cls,
        *,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        timeout: float = DEFAULT_TIMEOUT,
        name: str | None = None,
    ) -> Cluster:
        return cls(
            load_in_cluster(),
            qps=qps,
            burst=burst,
            max_in_flight=max_in_flight,
            timeout=timeout,
            name=name,
        )

    def __repr__(self) -> str:
        return f"Cluster({self.name!r}, {self.server!r})"

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- discovery ------------------------------------------------------------------------
    def resource_for(self, api_version: str, kind: str) -> ResourceInfo:
        """Raises `UnknownKindError` when not served, after looking again once."""
        return self._discovery.resource_for(api_version, kind)

    def invalidate_discovery(self) -> None:
        self._discovery.invalidate()
        self.schemas.refresh()

    def namespace_for(
        self, info: ResourceInfo, namespace: str | None, default_namespace: str | None = None
    ) -> str:
        """The namespace an object of this kind lives in: ``""`` when cluster-scoped."""
        if not info.namespaced:
            return ""
        return namespace or default_namespace or self.default_namespace

    # -- reads ----------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        """``GET /version``. `UnavailableError` (``cannot reach URL: reason``) when down."""
        body = self.transport.call("GET", "GET", "/version")
        return body if isinstance(body, dict) else {}

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        info = self.resource_for(api_version, kind)
        ns = self.namespace_for(info, namespace)
        try:
            obj = self.transport.call(
                "GET", "GET", info.object_path(ns, name), resource=describe(kind, ns, name)
            )
        except NotFoundError:
            return None
        return _with_type(obj, info)

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """All objects of a kind (in `namespace`, or everywhere), apiVersion/kind filled in."""
        return self.list_with_version(
            api_version, kind, namespace=namespace, label_selector=label_selector
        ).items

    def list_with_version(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> ListResult:
        """`list` plus the list's resourceVersion, where a watch resumes from."""
        items: list[dict[str, Any]] = []
        resource_version = ""
        for page in self.list_pages(
            api_version, kind, namespace=namespace, label_selector=label_selector
        ):
            items.extend(page.items)
            resource_version = page.resource_version or resource_version
        return ListResult(items, resource_version)

    def list_pages(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        limit: int = LIST_PAGE_SIZE,
    ) -> Iterator[ListResult]:
        """A list one page (one request) at a time, so a caller looking for a few names
        can stop early. Each page's resourceVersion is the list's so far."""
        info = self.resource_for(api_version, kind)
        path = info.collection_path(namespace if info.namespaced else None)
        token: str | None = None
        resource_version = ""
        while True:
            query: Query = {
                "labelSelector": label_selector or None,
                "limit": max(limit, 1),
                "continue": token,
            }
            body = self.transport.call("LIST", "GET", path, query=query, resource=f"{kind} list")
            body = body if isinstance(body, dict) else {}
            items = [_with_type(item, info) for item in body.get("items") or []]
            meta = body.get("metadata") or {}
            resource_version = str(meta.get("resourceVersion") or resource_version)
            token = meta.get("continue") or None
            yield ListResult(items, resource_version, more=token is not None)
            if not token:
                return

    def list_kinds(
        self,
        kinds: Iterable[tuple[str, str]],
        *,
        label_selector: str | None = None,
        namespace: str | None = None,
        skip_unknown: bool = True,
    ) -> builtins.list[dict[str, Any]]:
        """Objects of several kinds ((apiVersion, kind) pairs) matching a label selector,
        e.g. everything an app tracks. Kinds the server does not serve are skipped."""
        found: builtins.list[dict[str, Any]] = []
        for api_version, kind in kinds:
            try:
                found.extend(
                    self.list(api_version, kind, namespace=namespace, label_selector=label_selector)
                )
            except UnknownKindError:
                if not skip_unknown:
                    raise
        return found

    # -- writes ---------------------------------------------------------------------------
    def apply(
        self,
        obj: dict[str, Any],
        *,
        dry_run: bool = False,
        field_manager: str = FIELD_MANAGER,
        force: bool = True,
        default_namespace: str | None = None,
    ) -> dict[str, Any]:
        """Server-side apply (conflicts forced by default); the object the server returns.

        With `dry_run` the server computes the result and stores nothing."""
        info, ns, name, body = self._prepare(obj, default_namespace)
        query: Query = {
            "fieldManager": field_manager,
            "force": True if force else None,
            "dryRun": "All" if dry_run else None,
        }
        result = self.transport.call(
            "APPLY",
            "PATCH",
            info.object_path(ns, name),
            query=query,
            body=body,
            content_type=APPLY_CONTENT_TYPE,
            resource=describe(info.kind, ns, name),
        )
        return _with_type(result, info)

    def create(
        self,
        obj: dict[str, Any],
        *,
        dry_run: bool = False,
        default_namespace: str | None = None,
    ) -> dict[str, Any]:
        """POST: needed for ``generateName`` objects. `ConflictError` when it exists."""
        info, ns, name, body = self._prepare(obj, default_namespace, need_name=False)
        label = name or f"{(body.get('metadata') or {}).get('generateName', '')}*"
        result = self.transport.call(
            "POST",
            "POST",
            info.collection_path(ns),
            query={"dryRun": "All" if dry_run else None, "fieldManager": FIELD_MANAGER},
            body=body,
            content_type="application/json",
            resource=describe(info.kind, ns, label),
        )
        return _with_type(result, info)

    def replace(
        self,
        obj: dict[str, Any],
        *,
        dry_run: bool = False,
        default_namespace: str | None = None,
    ) -> dict[str, Any]:
        """PUT (the ``Replace=true`` sync option). Without ``metadata.resourceVersion`` the
        live one is used; creates the object when absent. A stale version: `ConflictError`."""
        info, ns, name, body = self._prepare(obj, default_namespace)
        meta = body["metadata"]
        if not meta.get("resourceVersion"):
            live = self.get(info.api_version, info.kind, ns, name)
            if live is None:
                return self.create(body, dry_run=dry_run)
            version = live["metadata"]["resourceVersion"]
            body = {**body, "metadata": {**meta, "resourceVersion": version}}
        result = self.transport.call(
            "PUT",
            "PUT",
            info.object_path(ns, name),
            query={"dryRun": "All" if dry_run else None, "fieldManager": FIELD_MANAGER},
            body=body,
            content_type="application/json",
            resource=describe(info.kind, ns, name),
        )
        return _with_type(result, info)

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        patch: dict[str, Any] | builtins.list[Any],
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """PATCH with a merge (default), JSON or strategic-merge patch, optionally of a
        subresource such as ``status``."""
        content_type = PATCH_CONTENT_TYPES.get(patch_type)
        if content_type is None or patch_type == "apply":
            raise UserInputError(f"unknown patch type {patch_type!r} (merge, json, strategic)")
        if patch_type == "json" and not isinstance(patch, list):
            raise UserInputError("a JSON patch is a list of operations")
        info = self.resource_for(api_version, kind)
        ns = self.namespace_for(info, namespace)
        path = info.object_path(ns, name) + (f"/{segment(subresource)}" if subresource else "")
        result = self.transport.call(
            "PATCH",
            "PATCH",
            path,
            query={"dryRun": "All" if dry_run else None},
            body=patch,
            content_type=content_type,
            resource=describe(kind, ns, name),
        )
        return _with_type(result, info)

    def delete(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        *,
        propagation: str = "Foreground",
        dry_run: bool = False,
    ) -> bool:
        """Delete with a propagation policy. False when the object was already gone."""
        if propagation not in PROPAGATION_POLICIES:
            allowed = ", ".join(PROPAGATION_POLICIES)
            raise UserInputError(f"unknown propagation policy {propagation!r} ({allowed})")
        info = self.resource_for(api_version, kind)
        ns = self.namespace_for(info, namespace)
        options: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": propagation,
        }
        if dry_run:
            options["dryRun"] = ["All"]
        try:
            self.transport.call(
                "DELETE",
                "DELETE",
                info.object_path(ns, name),
                query={"dryRun": "All" if dry_run else None},
                body=options,
                content_type="application/json",
                resource=describe(kind, ns, name),
            )
        except NotFoundError:
            return False
        return True

    def close(self) -> None:
        self.transport.close()

    # -- internals ------------------------------------------------------------------------
    def _prepare(
        self, obj: dict[str, Any], default_namespace: str | None, *, need_name: bool = True
    ) -> tuple[ResourceInfo, str, str, dict[str, Any]]:
        """Resolve the kind and namespace; a shallow copy of `obj` with the namespace set
        (namespaced kinds) or removed (cluster-scoped). `obj` itself is not changed."""
        api_version = str(obj.get("apiVersion") or "")
        kind = str(obj.get("kind") or "")
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name = str(meta.get("name") or "")
        if not api_version or not kind:
            raise InvalidError("object has no apiVersion or kind", describe(kind, "", name))
        if need_name and not name:
            raise InvalidError("metadata.name is required", f"{kind}/<unnamed>")
        info = self.resource_for(api_version, kind)
        ns = self.namespace_for(info, meta.get("namespace"), default_namespace)
        new_meta = dict(meta)
        if ns:
            new_meta["namespace"] = ns
        else:
            new_meta.pop("namespace", None)
        return info, ns, name, {**obj, "metadata": new_meta}


def _with_type(obj: Any, info: ResourceInfo) -> dict[str, Any]:
    """List items (and some answers) omit apiVersion/kind; fill them in."""
    if not isinstance(obj, dict):
        return {}
    obj.setdefault("apiVersion", info.api_version)
    obj.setdefault("kind", info.kind)
    return obj
