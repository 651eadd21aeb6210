"""Watch streams: chunked JSON lines (ADDED/MODIFIED/DELETED, BOOKMARK when idle), from
the current state or resumed from a resourceVersion; ERROR 410 when it is too old."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .apierror import status_body
from .routes import Route
from .selectors import labels_of, parse_field_selector, parse_label_selector
from .store import dumps
from .watchhub import TooOld, WatchEvent

if TYPE_CHECKING:
    from .handler import Handler

DEFAULT_TIMEOUT = 1800.0
BOOKMARK_EVERY = 2.0


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _line(event_type: str, raw: bytes) -> bytes:
    return b'{"type":"' + event_type.encode() + b'","object":' + raw + b"}\n"


def serve_watch(handler: Handler, route: Route, query: dict[str, str], api_version: str) -> None:
    backend = handler.server.backend
    api = backend.api
    hub = backend.hub
    rtype = route.rtype
    assert rtype is not None
    label_test = parse_label_selector(query.get("labelSelector"))
    field_test = parse_field_selector(query.get("fieldSelector"))
    timeout = float(query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout
    bookmarks = query.get("allowWatchBookmarks") == "true"
    namespace = route.namespace if rtype.namespaced else None
    since = query.get("resourceVersion") or ""
    initial: list[bytes] = []
    too_old = False
    # `kubectl get -w` asks for Tables: each event's object is then a one-row Table, the
    # column definitions in the first one only, as a real API server sends them
    printer = handler.table_printer(route) if handler.table_wanted() else None
    first_table = True

    def encode(event_type: str, obj: dict[str, Any], raw: bytes) -> bytes:
        nonlocal first_table
        if printer is None:
            return _line(event_type, _versioned(obj, raw, api_version))
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        table = printer([{**obj, "apiVersion": api_version}], {"resourceVersion": rv}, first_table)
        first_table = False
        return _line(event_type, dumps(table))

    with api.store.lock:
        if since in ("", "0"):
            items, _ = api.list_items(
                rtype, namespace, query.get("labelSelector"), query.get("fieldSelector")
            )
            initial = [encode("ADDED", s.obj, s.raw) for s in items]
            seq = hub.next_seq()
        else:
            try:
                seq = hub.seq_after(int(since))
            except (TooOld, ValueError):
                too_old = True
                seq = 0
        last_rv = api.store.rv
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nCache-Control: no-cache, private\r\n\r\n"
    )
    handler.answered(200)
    handler.close_connection = True  # a watch ends its connection; simpler for clients
    if too_old:
        error = status_body(410, f"too old resource version: {since} ({last_rv})", "Expired")
        handler.wfile.write(head + _chunk(_line("ERROR", dumps(error))) + b"0\r\n\r\n")
        return
    handler.wfile.write(head + (_chunk(b"".join(initial)) if initial else b""))

    def wanted(event: WatchEvent) -> bool:
        if event.group != rtype.group or event.kind != rtype.kind:
            return False
        if namespace is not None and event.namespace != namespace:
            return False
        if label_test is not None and not label_test(labels_of(event.obj)):
            return False
        return field_test is None or field_test(event.obj)

    try:
        while not hub.closed and not backend.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            events, seq = hub.wait(seq, min(remaining, BOOKMARK_EVERY))
            lines = [encode(e.type, e.obj, e.raw) for e in events if wanted(e)]
            if events:
                last_rv = events[-1].rv
            if lines:
                handler.wfile.write(_chunk(b"".join(lines)))
            elif not events and bookmarks:
                mark = {
                    "kind": rtype.kind,
                    "apiVersion": api_version,
                    "metadata": {"resourceVersion": str(last_rv)},
                }
                handler.wfile.write(_chunk(_line("BOOKMARK", dumps(mark))))
        handler.wfile.write(b"0\r\n\r\n")
    except TooOld:
        error = status_body(410, "too old resource version", "Expired")
        handler.wfile.write(_chunk(_line("ERROR", dumps(error))) + b"0\r\n\r\n")
    except OSError:
        return


def _versioned(obj: dict[str, Any], raw: bytes, api_version: str) -> bytes:
    if obj.get("apiVersion") == api_version:
        return raw
    return dumps({**obj, "apiVersion": api_version})
