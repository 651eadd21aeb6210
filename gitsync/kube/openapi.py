"""A cluster's OpenAPI v3 schemas, fetched once per group-version and kept while they hold.

``GET /openapi/v3`` lists one document per group-version with a hash of its content; each
document is fetched the first time a kind of its group-version is checked, and kept for
as long as the listing shows the same hash. The listing itself is read once, and again
after `refresh()` (discovery changed) or when a kind is missing from its document (a CRD
may just have been created; at most once per `miss_interval` seconds). A cold sync of
any number of objects thus costs one request plus one per group-version used.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from gitsync.errors import KubeError, NotFoundError
from gitsync.model.keys import split_api_version

from .apierrors import error_for_status
from .schemacheck import KindSchema, SchemaDocument
from .transport import Query, Transport

ROOT_PATH = "/openapi/v3"
MAX_DOCUMENT_BYTES = 64 << 20
MAX_DOCUMENTS = 512


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


class ClusterSchemas:
    """The schemas of one cluster's kinds, for checking objects before writing them."""

    def __init__(
        self,
        transport: Transport,
        *,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        miss_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._max_bytes = max_document_bytes
        self._miss_interval = miss_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._root: dict[str, str] | None = None  # gv path -> server-relative URL
        self._root_read_at = float("-inf")
        self._documents: dict[str, tuple[str, SchemaDocument]] = {}  # gv path -> (url, doc)
        self._fetching: dict[str, threading.Lock] = {}

    def for_kind(self, api_version: str, kind: str) -> KindSchema | None:
        """The schema of a kind; None when the cluster publishes none for it (or no
        OpenAPI v3 at all). Raises `KubeError` when the cluster cannot be read."""
        group, version = split_api_version(api_version)
        path = _gv_path(group, version)
        document = self._document(path)
        found = document.kind(group, version, kind) if document is not None else None
        if found is None and self._may_look_again():
            self._read_root()
            document = self._document(path)
            found = document.kind(group, version, kind) if document is not None else None
        return found

    def refresh(self) -> None:
        """Read the listing again before the next check: documents whose hash is unchanged
        are kept, the others fetched again when next used."""
        with self._lock:
            self._root = None

    # -- internals ------------------------------------------------------------------------
    def _may_look_again(self) -> bool:
        with self._lock:
            return self._clock() - self._root_read_at >= self._miss_interval

    def _urls(self) -> dict[str, str]:
        with self._lock:
            root = self._root
        return root if root is not None else self._read_root()

    def _read_root(self) -> dict[str, str]:
        try:
            body = self._get(ROOT_PATH, {})
        except NotFoundError:
            body = {}  # a server without OpenAPI v3: every kind goes without a schema
        paths = body.get("paths") if isinstance(body, dict) else None
        urls: dict[str, str] = {}
        for gv_path, entry in (paths or {}).items():
            url = entry.get("serverRelativeURL") if isinstance(entry, dict) else None
            if isinstance(url, str) and len(urls) < MAX_DOCUMENTS:
                urls[str(gv_path)] = url
        with self._lock:
            self._root = urls
            self._root_read_at = self._clock()
            for stale in [p for p, (url, _) in self._documents.items() if urls.get(p) != url]:
                del self._documents[stale]
        return urls

    def _document(self, path: str) -> SchemaDocument | None:
        url = self._urls().get(path)
        if url is None:
            return None
        with self._lock:
            cached = self._documents.get(path)
            if cached is not None and cached[0] == url:
                return cached[1]
            fetching = self._fetching.setdefault(path, threading.Lock())
        with fetching:  # one fetch per document, however many threads ask at once
            with self._lock:
                cached = self._documents.get(path)
            if cached is not None and cached[0] == url:
                return cached[1]
            document = SchemaDocument(self._get_url(url))
            with self._lock:
                self._documents[path] = (url, document)
            return document

    def _get_url(self, url: str) -> dict[str, object]:
        """A document by the server-relative URL the listing gave: only paths under
        /openapi/v3 are followed, never another host."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith(ROOT_PATH + "/"):
            raise KubeError(f"the cluster lists an OpenAPI document outside {ROOT_PATH}: {url!r}")
        body = self._get(parts.path, dict(parse_qsl(parts.query)))
        return body if isinstance(body, dict) else {}

    def _get(self, path: str, query: dict[str, str]) -> object:
        params: Query = dict(query.items())
        status, data = self._transport.request(
            "GET", "GET", path, query=params, resource="OpenAPI v3"
        )
        if not 200 <= status < 300:
            raise error_for_status(status, data, "OpenAPI v3")
        if len(data) > self._max_bytes:
            raise KubeError(f"{path}: the OpenAPI document is larger than {self._max_bytes} bytes")
        try:
            return json.loads(data)
        except ValueError:
            raise KubeError(f"{path}: the OpenAPI document is not JSON") from None
