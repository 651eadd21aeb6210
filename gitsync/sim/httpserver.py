"""The HTTP server: a threading server whose responses leave in one write (TCP_NODELAY,
headers and body joined) and whose connections are tracked so `stop()` can close them."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from .api import Api
from .faults import Faults
from .rbac import Authorizer
from .records import RequestLog
from .registry import Registry
from .watchhub import WatchHub


@dataclass
class Backend:
    """What the HTTP layer of the emulator serves from: API, registry, watches, faults, log."""

    api: Api
    registry: Registry
    hub: WatchHub
    faults: Faults
    log: RequestLog
    authorizer: Authorizer
    stopping: threading.Event = field(default_factory=threading.Event)


class SimHTTPServer(ThreadingHTTPServer):
    """The emulator's threaded HTTP server; tracks connections so stop can close them."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: Any, backend: Backend) -> None:
        self.backend = backend
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(sock)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
