"""Which resource serves a kind: apiVersion + kind -> plural name and scope.

Only the group-versions actually used are fetched (one ``GET /apis/{g}/{v}`` each), and
cached until `invalidate()`. A kind missing from a cached list makes one fresh fetch of
its group-version before `UnknownKindError`: a CRD may just have been created.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gitsync.errors import InvalidError, NotFoundError, UnknownKindError
from gitsync.model.keys import split_api_version

from .transport import Transport


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """What discovery says about one kind: its group, version, plural and scope."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def collection_path(self, namespace: str | None) -> str:
        """URL path of the collection, in `namespace` when given and the kind is namespaced."""
        prefix = _prefix(self.group, self.version)
        if self.namespaced and namespace:
            return f"{prefix}/namespaces/{segment(namespace)}/{segment(self.plural)}"
        return f"{prefix}/{segment(self.plural)}"

    def object_path(self, namespace: str | None, name: str) -> str:
        return f"{self.collection_path(namespace)}/{segment(name)}"


def segment(value: str) -> str:
    """One path segment, percent-encoded. Names are validated before they get here
    (`gitsync.model.identity`); encoding is the second guard, never the only one: an
    API server decodes ``%2F`` back into ``/`` before it splits the path."""
    if not value or value in (".", ".."):
        raise InvalidError(f"{value!r} cannot be a URL path segment")
    return quote(value, safe="")


def _prefix(group: str, version: str) -> str:
    if group:
        return f"/apis/{segment(group)}/{segment(version)}"
    return f"/api/{segment(version)}"


def group_version_path(api_version: str) -> str:
    return _prefix(*split_api_version(api_version))


def parse_resource_list(api_version: str, body: Any) -> dict[str, ResourceInfo]:
    """Kind -> ResourceInfo from an ``APIResourceList``; subresources are skipped."""
    group, version = split_api_version(api_version)
    found: dict[str, ResourceInfo] = {}
    resources = body.get("resources") if isinstance(body, dict) else None
    for entry in resources or []:
        if not isinstance(entry, dict):
            continue
        plural = str(entry.get("name") or "")
        kind = str(entry.get("kind") or "")
        if not plural or not kind or "/" in plural:
            continue
        found.setdefault(
            kind, ResourceInfo(group, version, kind, plural, bool(entry.get("namespaced")))
        )
    return found


class Discovery:
    """Kinds served by the cluster, read once per group-version and kept."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._by_group_version: dict[str, dict[str, ResourceInfo]] = {}

    def resource_for(self, api_version: str, kind: str) -> ResourceInfo:
        if not api_version or not kind:
            raise UnknownKindError(f"missing apiVersion or kind ({api_version!r}, {kind!r})")
        with self._lock:
            cached = self._by_group_version.get(api_version)
        if cached is not None and kind in cached:
            return cached[kind]
        fresh = self._fetch(api_version)  # first use, or a miss: look again once
        if kind not in fresh:
            raise UnknownKindError(f"the server does not serve kind {kind} in {api_version}")
        return fresh[kind]

    def invalidate(self) -> None:
        with self._lock:
            self._by_group_version.clear()

    def _fetch(self, api_version: str) -> dict[str, ResourceInfo]:
        try:
            body = self._transport.call("GET", "GET", group_version_path(api_version))
        except NotFoundError:
            body = None  # the group-version is not served (yet)
        kinds = parse_resource_list(api_version, body) if body is not None else {}
        with self._lock:
            self._by_group_version[api_version] = kinds
        return kinds
