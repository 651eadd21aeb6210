"""The server under hostile clients, over real sockets: slow heads, huge heads, broken
framing, unsigned bodies, slow bodies. Each is refused with a status or closed, fast,
without a traceback, and without costing memory or the other clients their answers."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gitsync.server import GitsyncApp, HttpLimits, HttpServer, ServerSettings
from tests.server.inmemory import InMemoryController
from tests.server.serverproc import ServerProcess, server_process

MB = 1024 * 1024


@pytest.fixture
def proc(tmp_path: Path) -> Iterator[ServerProcess]:
    with server_process(tmp_path) as running:
        yield running


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _healthz_seconds(port: int) -> float:
    started = time.monotonic()
    with _connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    return time.monotonic() - started


def _read_all(sock: socket.socket, limit: int = 1 << 20) -> bytes:
    data = b""
    try:
        while len(data) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def _exchange(port: int, raw: bytes) -> bytes:
    with _connect(port) as sock:
        sock.sendall(raw)
        return _read_all(sock)


def _send_until_answered(sock: socket.socket, head: bytes, total: int) -> tuple[int, bytes]:
    """Send `head`, then up to `total` bytes of filler in 64 KiB pieces, reading whenever
    the server answers; (filler bytes sent, the answer)."""
    sock.sendall(head)
    sent = 0
    piece = b"a" * 65536
    while sent < total:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(piece)
    return sent, _read_all(sock)


# -- slow clients ---------------------------------------------------------------------------
def test_healthz_answers_while_50_connections_trickle_headers(proc: ServerProcess) -> None:
    """Each slow connection sends one byte of its head per round; none ever finishes."""
    slow = [_connect(proc.port) for _ in range(50)]
    head = b"GET /api/v1/applications HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 1000
    latencies: list[float] = []
    try:
        for position in range(40):  # 40 rounds: about 4 s, inside the 10 s head deadline
            for sock in slow:
                sock.send(head[position : position + 1])
            latencies.append(_healthz_seconds(proc.port))
            time.sleep(0.1)  # the trickle's pace: what makes these clients slow
        for sock in slow:  # every slow connection is still open, still unanswered
            readable, _, _ = select.select([sock], [], [], 0)
            assert not readable
    finally:
        for sock in slow:
            sock.close()
    assert max(latencies) < 1.0, latencies
    assert "Traceback" not in proc.log()


def test_a_head_that_never_completes_is_closed_at_the_deadline() -> None:
    limits = HttpLimits(header_timeout=1.0)
    app = GitsyncApp(InMemoryController())
    with HttpServer("127.0.0.1:0", app, limits=limits) as server, _connect(server.port) as sock:
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 200:
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable and sock.recv(1024) == b"":
                closed_after = time.monotonic() - started
                break
            try:
                sock.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "the slow connection was never closed"
    assert 0.9 <= closed_after < 5.0


# -- oversized and malformed heads ----------------------------------------------------------
def test_a_100_mb_header_is_refused_early_without_growing_memory(proc: ServerProcess) -> None:
    before = proc.rss_bytes()
    with _connect(proc.port) as sock:
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
        sent, answer = _send_until_answered(sock, head, 100 * MB)
    grown = proc.rss_bytes() - before
    assert sent < 16 * MB  # the rest was never accepted
    assert answer == b"" or _status(answer) == 431
    assert grown < 16 * MB
    assert _healthz_seconds(proc.port) < 1.0
    assert "Traceback" not in proc.log()


def test_too_many_header_fields_is_431(proc: ServerProcess) -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(150))
    answer = _exchange(proc.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert _status(answer) == 431


def test_a_long_request_target_is_414(proc: ServerProcess) -> None:
    path = b"/api/v1/applications/" + b"a" * 9000
    answer = _exchange(proc.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status(answer) == 414


def test_a_malformed_chunk_is_400_without_a_traceback(proc: ServerProcess) -> None:
    head = (
        b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
        b"X-Hub-Signature-256: sha256=00\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    answer = _exchange(proc.port, head + b"zz\r\nnot a chunk\r\n0\r\n\r\n")
    assert _status(answer) == 400
    assert _healthz_seconds(proc.port) < 1.0
    assert "Traceback" not in proc.log() and "Error" not in proc.log()


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: 5, 6\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    ],
)
def test_two_message_lengths_are_400_at_once(proc: ServerProcess, framing: bytes) -> None:
    head = b"POST /api/v1/applications/web/sync HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n"
    started = time.monotonic()
    answer = _exchange(proc.port, head + b"{}")
    assert _status(answer) == 400
    assert time.monotonic() - started < 2.0  # answered, not left hanging
    assert "Traceback" not in proc.log()


# -- bodies ---------------------------------------------------------------------------------
def test_an_unsigned_49_mb_webhook_is_refused_before_its_body(proc: ServerProcess) -> None:
    size = 49 * MB
    head = (
        b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size
    )
    before = proc.rss_bytes()
    with _connect(proc.port) as sock:
        sock.sendall(head)
        readable, _, _ = select.select([sock], [], [], 5)
        assert readable, "no answer to the head alone"
        answer = _read_all(sock)
    assert _status(answer) == 401 and b"missing signature" in answer
    assert proc.rss_bytes() - before < 16 * MB
    assert "Traceback" not in proc.log()


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(proc: ServerProcess) -> None:
    head = (
        b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
        b"X-Hub-Signature-256: sha256=00\r\nContent-Length: %d\r\n\r\n" % (60 * MB)
    )
    with _connect(proc.port) as sock:
        sock.sendall(head)
        readable, _, _ = select.select([sock], [], [], 5)
        assert readable
        assert _status(_read_all(sock)) == 413


def test_a_chunked_body_over_the_limit_is_413_and_the_rest_unread() -> None:
    settings = ServerSettings(webhook_max_bytes=64 * 1024)
    with HttpServer("127.0.0.1:0", GitsyncApp(InMemoryController(), settings)) as server:
        head = (
            b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
        with _connect(server.port) as sock:
            sock.sendall(head + chunk)
            for _ in range(200):  # up to 12.5 MB more, stopping once answered
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
            answer = _read_all(sock)
    assert _status(answer) == 413


def test_a_body_slower_than_its_deadline_is_408() -> None:
    limits = HttpLimits(body_timeout=0.5)
    app = GitsyncApp(InMemoryController())
    with HttpServer("127.0.0.1:0", app, limits=limits) as server, _connect(server.port) as sock:
        sock.sendall(
            b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        readable, _, _ = select.select([sock], [], [], 5)
        assert readable
        assert _status(_read_all(sock)) == 408


def test_bodies_in_flight_are_bounded() -> None:
    limits = HttpLimits(body_bytes_in_flight=150 * 1024)
    settings = ServerSettings(webhook_max_bytes=100 * 1024)
    app = GitsyncApp(InMemoryController(), settings)
    head = (
        b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
        b"Content-Length: 90000\r\n\r\n"
    )
    with HttpServer("127.0.0.1:0", app, limits=limits) as server, _connect(server.port) as first:
        first.sendall(head + b"{")  # holds 90,000 bytes of the budget while it dawdles
        with _connect(server.port) as second:
            second.sendall(head + b"{")
            readable, _, _ = select.select([second], [], [], 5)
            assert readable
            answer = _read_all(second)
        assert _status(answer) == 503 and b"retry-after: 5" in answer.lower()
        assert _healthz_seconds(server.port) < 1.0


# -- the worker pool ------------------------------------------------------------------------
class _Stuck(InMemoryController):
    """A controller whose app list blocks until released: a handler that holds a worker."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def applications(self):  # type: ignore[no-untyped-def]
        self.release.wait(10)
        return super().applications()


def test_healthz_answers_while_every_worker_is_busy() -> None:
    controller = _Stuck()
    app = GitsyncApp(controller)
    limits = HttpLimits(workers=2)
    with HttpServer("127.0.0.1:0", app, limits=limits) as server:
        url = f"{server.url}/api/v1/applications"
        busy = [threading.Thread(target=requests.get, args=(url,)) for _ in range(4)]
        for thread in busy:
            thread.start()
        try:
            assert all(_healthz_seconds(server.port) < 1.0 for _ in range(5))
        finally:
            controller.release.set()
            for thread in busy:
                thread.join(10)
