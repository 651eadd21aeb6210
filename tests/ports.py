"""Ports for tests, without the race of "pick a free port, release it, hope nobody takes it":
servers listen on port 0 and tell which port they got; a port that must refuse
connections stays bound (not listening) for as long as the test needs it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port where every connection is refused while the block runs: bound, so
    no other process (another test, another run) can listen on it, but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
