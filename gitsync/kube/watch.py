"""One kind's list-then-watch loop, feeding a `LiveCache`.

LIST once, then WATCH from the list's resourceVersion. A stream the server ends is
resumed from the last version seen (bookmarks keep it current); a dropped connection is
resumed after a backoff; ``410 Gone`` (the version is too old) means LIST again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gitsync.errors import KubeError, NotFoundError, UnknownKindError

from .discovery import ResourceInfo
from .transport import Query

if TYPE_CHECKING:
    from .cache import LiveCache

log = logging.getLogger(__name__)

WATCH_TIMEOUT_SECONDS = 300
MIN_BACKOFF = 0.05
MAX_BACKOFF = 5.0
_CHUNK = 65536


def stream_lines(response: Any) -> Iterator[bytes]:
    """Newline-delimited JSON events, as they arrive (chunked or not)."""
    pending = b""
    chunks = response.read_chunked(_CHUNK) if response.chunked else _read_available(response)
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield line
    if pending.strip():
        yield pending


def _read_available(response: Any) -> Iterator[bytes]:
    while True:
        chunk = response.read1(_CHUNK)
        if not chunk:
            return
        yield chunk


class GoneError(Exception):
    """The watch's resourceVersion is too old: list again."""


class KindWatcher:
    """Keeps one kind of a `LiveCache` current from its own thread."""

    def __init__(
        self,
        cache: LiveCache,
        info: ResourceInfo,
        label_selector: str | None,
        timeout_seconds: int = WATCH_TIMEOUT_SECONDS,
        namespace: str | None = None,
    ) -> None:
        """`namespace`: list and watch only there (None: across the cluster)."""
        self.cache = cache
        self.namespace = namespace
        self.timeout_seconds = max(int(timeout_seconds), 1)
        self.info = info
        self.label_selector = label_selector
        self.resource_version = ""
        self.restarts = 0  # watch streams opened after the first (for tests and metrics)
        self.relists = 0
        self._stopped = threading.Event()
        self._response: Any = None
        self._response_lock = threading.Lock()
        where = f"{info.kind}-{namespace}" if namespace else info.kind
        self._thread = threading.Thread(target=self._run, name=f"watch-{where}", daemon=True)

    def start(self) -> None:
        """LIST synchronously (errors reach the caller), then watch in the background."""
        self.relist()
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopped.set()
        with self._response_lock:
            response = self._response
        if response is not None:
            with contextlib.suppress(Exception):
                response.shutdown()  # unblocks the reader thread's recv
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def relist(self) -> None:
        cluster = self.cache.cluster
        result = cluster.list_with_version(
            self.info.api_version,
            self.info.kind,
            namespace=self.namespace,
            label_selector=self.label_selector,
        )
        self.resource_version = result.resource_version
        self.cache.replace_kind(
            self.info, result.items, result.resource_version, namespace=self.namespace
        )

    # -- the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = MIN_BACKOFF
        need_relist = False
        first = True
        while not self._stopped.is_set():
            try:
                if need_relist:
                    self.relists += 1
                    self.relist()
                    need_relist = False
                if not first:
                    self.restarts += 1
                first = False
                if self._watch_once():
                    backoff = MIN_BACKOFF
                    continue
            except GoneError:
                need_relist = True
                continue
            except (NotFoundError, UnknownKindError):
                need_relist = True  # e.g. the CRD went away; look again later
            except KubeError as err:
                if err.status == 410:
                    need_relist = True
                    continue
                log.debug("watch %s: %s", self.info.kind, err)
            except Exception as err:  # a dropped connection mid-stream
                log.debug("watch %s dropped: %s", self.info.kind, err)
            if self._stopped.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _watch_once(self) -> bool:
        """One watch stream until it ends. True when it delivered something (healthy)."""
        query: Query = {
            "watch": True,
            "resourceVersion": self.resource_version or None,
            "allowWatchBookmarks": True,
            "timeoutSeconds": self.timeout_seconds,
            "labelSelector": self.label_selector or None,
        }
        transport = self.cache.cluster.transport
        response = transport.open_stream(
            self.info.collection_path(self.namespace),
            query,
            read_timeout=self.timeout_seconds + 30,
            resource=f"{self.info.kind} watch",
        )
        with self._response_lock:
            self._response = response
        if self._stopped.is_set():
            response.shutdown()
        started = time.monotonic()
        delivered = False
        try:
            for line in stream_lines(response):
                if self._stopped.is_set():
                    return True
                self._handle(json.loads(line))
                delivered = True
        finally:
            with self._response_lock:
                self._response = None
            response.close()
            response.release_conn()
        # A stream that ended at once with nothing in it may be a server in trouble:
        # back off rather than spin.
        return delivered or time.monotonic() - started > 1.0

    def _handle(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            return
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise GoneError()
            raise KubeError(str(obj.get("message") or "watch error"), None, obj.get("code"))
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            obj.setdefault("apiVersion", self.info.api_version)
            obj.setdefault("kind", self.info.kind)
            self.cache.apply_event(self.info, str(kind), obj, version)
        if version and not is_older(version, self.resource_version):
            self.resource_version = version
            if kind == "BOOKMARK":
                self.cache.note_version(self.info, version)


def version_number(resource_version: str) -> int | None:
    """resourceVersions are opaque strings; etcd-backed servers use integers, which may
    be compared. None when not an integer."""
    try:
        return int(resource_version)
    except (TypeError, ValueError):
        return None


def is_older(version: str, than: str) -> bool:
    """True when both are integers and `version` is below `than`. A watch never goes back
    to an older version than one already seen (a DELETED object may carry its last one)."""
    new, old = version_number(version), version_number(than)
    return new is not None and old is not None and new < old
