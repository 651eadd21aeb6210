"""The HTTP server of `gitsync serve`: Hypercorn on its own event loop thread, run from code.

    server = HttpServer("0.0.0.0:8080", GitsyncApp(controller, settings)).start()
    ...
    server.stop()

``listen`` port 0 picks a free port; `HttpServer.port` tells which.

Why an event loop: a thread-per-connection server gives a client that sends its headers
one byte at a time a whole worker thread, so a handful of such clients stop every
request, /healthz included (measured: 9 connections against 8 threads). Here connections
cost no thread while they are read; a request reaches the bounded pool of `workers`
threads only once its head and body are complete (`gitsync.server.asgi`), so slow
clients cannot exhaust it. Hypercorn also closes a connection that has not finished its
request head within `header_timeout` (it counts from the connection's start, or from
the last response, whatever the client keeps sending), refuses a head larger than
`max_header_bytes` with 431, and answers malformed framing (bad chunks, conflicting
Content-Length) with 400 itself, before the application sees anything.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

import structlog
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.utils import wrap_app

from gitsync.errors import ConfigError
from gitsync.server.app import GitsyncApp, ServerSettings
from gitsync.server.asgi import AsgiAdapter
from gitsync.server.view import ControllerView

__all__ = [
    "ControllerView",
    "GitsyncApp",
    "HttpLimits",
    "HttpServer",
    "ServerSettings",
    "parse_listen",
]

log = structlog.get_logger()


@dataclass(frozen=True)
class HttpLimits:
    """What one client may cost the server. Every limit refuses with a status, never hangs."""

    max_header_bytes: int = 32 * 1024  # request line and headers together (431)
    max_headers: int = 100  # header fields (431)
    max_target_bytes: int = 8 * 1024  # path and query (414)
    header_timeout: float = 10.0  # the whole request head, and idle keep-alive
    read_timeout: float = 30.0  # silence from the client in the middle of a request
    body_timeout: float = 60.0  # the whole body (408)
    workers: int = 8  # threads running handlers
    body_bytes_in_flight: int = 128 * 1024 * 1024  # bodies buffered at once (503)
    shutdown_timeout: float = 2.0  # how long `stop` lets running requests finish


def parse_listen(listen: str) -> tuple[str, int]:
    """``host:port``, ``:port`` or ``[v6]:port`` -> (host, port). Raises ConfigError."""
    host, sep, port = listen.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"invalid listen address {listen!r} (want HOST:PORT)")
    return host.strip("[]") or "0.0.0.0", int(port)


class HttpServer:
    """Hypercorn serving one `GitsyncApp` on a background thread; `start()` returns when bound."""

    def __init__(self, listen: str, app: GitsyncApp, *, limits: HttpLimits | None = None) -> None:
        self._bind = parse_listen(listen)
        self.limits = limits or HttpLimits()
        self._app = app
        self._config = _hypercorn_config(self._bind, self.limits)
        self._sockets: Sockets | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._port = self._bind[1]

    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0)."""
        return self._port

    @property
    def host(self) -> str:
        return self._bind[0]

    @property
    def url(self) -> str:
        """A base URL that reaches the server from this host."""
        host = self._bind[0]
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        if self._thread is not None:
            return self
        try:
            self._sockets = self._config.create_sockets()  # a busy port fails here
            for sock in self._sockets.insecure_sockets:
                sock.set_inheritable(False)  # no child process (git, helm) keeps the port
                sock.listen(self._config.backlog)  # clients queue until the loop accepts
        except OSError as err:
            raise ConfigError(f"cannot listen on {self._bind[0]}:{self._bind[1]}: {err}") from None
        self._port = int(self._sockets.insecure_sockets[0].getsockname()[1])
        self._thread = threading.Thread(target=self._run, name=f"http-{self.port}", daemon=True)
        self._thread.start()
        self._started.wait(10)
        log.info("http server listening", host=self._bind[0], port=self.port)
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._app.close()  # ends waiting event streams, which would hold their threads
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout=self.limits.shutdown_timeout + 10)
        self._thread = None
        if self._sockets is not None:
            for sock in self._sockets.insecure_sockets:
                sock.close()
            self._sockets = None
        log.info("http server stopped", port=self.port)

    def _run(self) -> None:
        executor = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="http-worker")
        try:
            asyncio.run(self._serve(executor))
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def _serve(self, executor: ThreadPoolExecutor) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._started.set()
        adapter = AsgiAdapter(self._app, self.limits, executor)
        await worker_serve(
            wrap_app(adapter, 0, "asgi"),  # type: ignore[arg-type]  # hypercorn's own Protocol
            self._config,
            sockets=self._sockets,  # bound in start(), so a busy port fails there
            shutdown_trigger=self._stopping.wait,
        )

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _hypercorn_config(bind: tuple[str, int], limits: HttpLimits) -> Config:
    config = Config()
    host = f"[{bind[0]}]" if ":" in bind[0] else bind[0]
    config.bind = [f"{host}:{bind[1]}"]
    config.h11_max_incomplete_size = limits.max_header_bytes
    config.h2_max_header_list_size = limits.max_header_bytes
    config.h2_max_concurrent_streams = 16
    # Hypercorn's idle timer runs from the connection's start until a request head is
    # complete, and again after each response: one deadline for slow heads and idle peers.
    config.keep_alive_timeout = limits.header_timeout
    config.read_timeout = math.ceil(limits.read_timeout)
    config.graceful_timeout = limits.shutdown_timeout
    config.backlog = 256
    config.include_server_header = False
    config.accesslog = None
    config.errorlog = logging.getLogger("gitsync.http")
    return config
