"""`/healthz` latency while N connections send their request heads one byte at a time,
against the HTTP server of `gitsync serve` (the real server, on loopback).

    python -m bench.slow_clients [--connections 50,500] [--rounds 40] [--pace 0.1]

Each round sends one more byte on every slow connection, then times one /healthz request
on a fresh connection. No slow connection ever completes its head.
"""

from __future__ import annotations

import argparse
import socket
import time

from bench.common import Results, median, percentile
from gitsync.server import GitsyncApp, HttpServer
from tests.server.inmemory import InMemoryController


def _healthz(port: int) -> float:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    if not answer.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"/healthz answered {answer[:40]!r}")
    return time.perf_counter() - started


def measure(port: int, connections: int, rounds: int, pace: float) -> list[float]:
    head = b"GET /api/v1/applications HTTP/1.1\r\nHost: bench\r\nX-Slow: " + b"s" * rounds
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(connections)]
    latencies: list[float] = []
    try:
        for position in range(rounds):
            for sock in slow:
                sock.send(head[position : position + 1])
            latencies.append(_healthz(port))
            time.sleep(pace)
    finally:
        for sock in slow:
            sock.close()
    return latencies


def run(connections: list[int], rounds: int, pace: float) -> Results:
    results = Results("slow_clients", {"connections": connections, "rounds": rounds})
    with HttpServer("127.0.0.1:0", GitsyncApp(InMemoryController())) as server:
        for count in connections:
            latencies = measure(server.port, count, rounds, pace)
            results.add(f"{count} slow heads: /healthz median", median(latencies) * 1e3, "ms")
            results.add(
                f"{count} slow heads: /healthz p99", percentile(latencies, 0.99) * 1e3, "ms"
            )
            results.add(f"{count} slow heads: /healthz max", max(latencies) * 1e3, "ms", "< 1000")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="50,500")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pace", type=float, default=0.1)
    args = parser.parse_args(argv)
    counts = [int(part) for part in args.connections.split(",") if part.strip()]
    results = run(counts, args.rounds, args.pace)
    results.report()
    return results


if __name__ == "__main__":
    main()
