"""Server-Sent Events for the live pages, bounded so streams cannot crowd out the rest.

Each stream answers once something it watches changed (one ``change`` event whose id is
the new state's digest), or after `lifetime` seconds with nothing; the browser's
EventSource then reconnects after ``retry`` milliseconds and sends the last id it saw,
so a change in between is answered at once. A stream is a whole response: it holds one
worker thread for at most `lifetime`, and at most `max_streams` are held at once: a new
stream beyond that ends the oldest one (answered at once; its browser reconnects).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gitsync.server.router import Response

EVENT_STREAM_TYPE = "text/event-stream"
MAX_STREAMS = 4
LIFETIME = 20.0
CHECK_INTERVAL = 0.25
RETRY_MS = 500
BUSY_RETRY_MS = 5000

AppInfo = Mapping[str, Any]


def digest(apps: Sequence[AppInfo], watch: str) -> str:
    """What the page watching `watch` ("apps" or "app:<name>") shows, as a short digest."""
    wanted = watch[4:] if watch.startswith("app:") else None
    shown = [
        {k: v for k, v in a.items() if k != "reconciled_at"}
        for a in apps
        if wanted is None or a.get("name") == wanted
    ]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:24]


class EventStreams:
    """Server-Sent Events of app changes: few streams at once, each short-lived."""

    def __init__(
        self,
        source: Callable[[], Sequence[AppInfo]],
        *,
        max_streams: int = MAX_STREAMS,
        lifetime: float = LIFETIME,
        interval: float = CHECK_INTERVAL,
    ) -> None:
        self._source = source
        self._max = max_streams
        self._lifetime = lifetime
        self._interval = interval
        self._lock = threading.Lock()
        self._active: list[threading.Event] = []  # oldest first; set = end that stream now
        self._closed = False

    def close(self) -> None:
        """End every waiting stream now (at shutdown)."""
        with self._lock:
            self._closed = True
            for stop in self._active:
                stop.set()

    def respond(self, watch: str, last_id: str) -> Response:
        stop = threading.Event()
        with self._lock:
            if self._closed:
                return _stream(f"retry: {BUSY_RETRY_MS}\n: closing\n\n")
            if len(self._active) >= self._max:
                # The newest stream wins: the oldest is most likely a page already left
                # (a whole-response stream cannot see its client go). It ends at once and
                # its browser, if still there, reconnects.
                self._active[0].set()
                self._active.pop(0)
            self._active.append(stop)
        try:
            return _stream(self._wait(watch, last_id[:64], stop))
        finally:
            with self._lock:
                if stop in self._active:
                    self._active.remove(stop)

    def active(self) -> int:
        with self._lock:
            return len(self._active)

    def _wait(self, watch: str, last_id: str, stop: threading.Event) -> str:
        baseline = last_id or digest(self._source(), watch)
        deadline = time.monotonic() + self._lifetime
        while True:
            current = digest(self._source(), watch)
            if current != baseline:
                data = json.dumps({"watch": watch})
                return f"retry: {RETRY_MS}\nid: {current}\nevent: change\ndata: {data}\n\n"
            if time.monotonic() >= deadline or stop.wait(self._interval):
                return f"retry: {RETRY_MS}\nid: {baseline}\n: idle\n\n"


def _stream(text: str) -> Response:
    return Response(
        200,
        text.encode(),
        EVENT_STREAM_TYPE,
        [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")],
    )
