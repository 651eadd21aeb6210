"""``ignoreDifferences.jqPathExpressions``, evaluated by jq itself.

Argo CD removes ``del(EXPR)`` from both sides. The paths ``del`` would remove are the
paths ``[path(EXPR)]`` yields, so an expression becomes a `Query` segment giving those
paths per object, and the rest of the diff treats them like JSON pointers.

Expressions are compiled once (a syntax error is the user's error, refused up front) and
run in a worker process: jq cannot be interrupted from inside this process, and an
expression such as ``path(last(range(1e12)))`` must not stall a diff. The worker may
spend `JQ_TIMEOUT` seconds of CPU per object (a CPU-time timer, so a busy machine does
not cut a normal evaluation short); past that the kernel stops it and it is replaced.
As in Argo CD, an expression that fails at run time (times out, or is not a path
expression for this object) removes nothing, and a warning names it.
"""

from __future__ import annotations

import functools
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import jq
import structlog

from gitsync.diff.paths import ConcretePath, Pattern, Query

log = structlog.get_logger(__name__)

JQ_TIMEOUT = float(os.environ.get("GITSYNC_JQ_TIMEOUT", "1"))  # Argo CD's default: 1 s
_START_TIMEOUT = 60.0  # a cold interpreter on a loaded machine
_WALL_SLACK = 30.0  # past the CPU bound: only a worker that stopped answering
_MAX_PATHS = 100_000
_MAX_REPLY = 64 << 20
_MAX_COMPILED = 512

# Runs in the worker: one JSON request per line {"p": program, "v": value, "t": cpu
# seconds}, one reply per line {"ok": paths} or {"err": message}. Compiled programs are
# kept (bounded). SIGPROF's default action ends the worker when the CPU timer runs out.
_WORKER = r"""
import json, signal, sys
import jq
compiled = {}
out = sys.stdout
out.write("ready\n"); out.flush()
for line in sys.stdin:
    try:
        request = json.loads(line)
        program = compiled.get(request["p"])
        if program is None:
            if len(compiled) >= MAX_COMPILED:
                compiled.clear()
            program = compiled[request["p"]] = jq.compile(request["p"])
        paths = []
        signal.setitimer(signal.ITIMER_PROF, request["t"])
        try:
            for item in program.input_value(request["v"]):
                paths.append(item)
                if len(paths) > MAX_PATHS:
                    raise ValueError("more than MAX_PATHS paths")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        reply = {"ok": paths}
    except Exception as err:
        reply = {"err": " ".join(str(err).split())[:300]}
    out.write(json.dumps(reply) + "\n"); out.flush()
""".replace("MAX_COMPILED", str(_MAX_COMPILED)).replace("MAX_PATHS", str(_MAX_PATHS))


class JqSyntaxError(ValueError):
    """An expression jq cannot compile (the message is jq's)."""


class JqRunError(RuntimeError):
    """An expression that compiled but failed, or ran out of time, on one object."""


def parse_jq_path(expression: str) -> Pattern:
    """The pattern for one ``jqPathExpressions`` entry; JqSyntaxError if jq refuses it."""
    program = _program(expression)
    return (Query(functools.partial(_paths_or_nothing, program, expression), expression),)


@functools.lru_cache(maxsize=_MAX_COMPILED)
def _program(expression: str) -> str:
    if not expression.strip():
        raise JqSyntaxError("empty jq expression")
    program = f"path({expression})"
    try:
        jq.compile(program)  # compiling is bounded; only running is not
    except ValueError as err:
        raise JqSyntaxError(f"invalid jq expression {expression!r}: {_first_line(err)}") from None
    return program


def jq_paths(program: str, value: Any) -> list[ConcretePath]:
    """Every path `program` yields on `value`, run in the worker; JqRunError on failure."""
    return _worker().run(program, value)


def _paths_or_nothing(program: str, expression: str, value: Any) -> list[ConcretePath]:
    try:
        return jq_paths(program, value)
    except JqRunError as err:
        log.warning("jq expression removes nothing here", expression=expression, error=str(err))
        return []


class _Worker:
    """One jq worker process, used by one caller at a time, replaced when it stalls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    def run(self, program: str, value: Any) -> list[ConcretePath]:
        limit = JQ_TIMEOUT
        request = {"p": program, "v": value, "t": limit}
        data = json.dumps(request, default=str).encode() + b"\n"
        with self._lock:
            process = self._ensure()
            assert process.stdin is not None
            try:
                process.stdin.write(data)
                process.stdin.flush()
                line = self._read_line(process, limit + _WALL_SLACK)
            except (OSError, JqRunError) as err:
                try:  # a worker the CPU timer stopped has closed its pipe: reap it
                    code = process.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    code = None
                out_of_time = code == -signal.SIGPROF
                self._stop()
                why = f"timed out after {limit:g} s" if out_of_time else str(err)
                raise JqRunError(why or "jq worker failed") from None
        reply = json.loads(line)
        if "err" in reply:
            raise JqRunError(str(reply["err"]))
        return [_concrete(path) for path in reply["ok"]]

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._buffer = b""
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            if self._read_line(self._process, _START_TIMEOUT) != b"ready":
                raise JqRunError("jq worker did not start")
        except JqRunError:
            self._stop()
            raise
        return self._process

    def _read_line(self, process: subprocess.Popen[bytes], timeout: float) -> bytes:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        fd = process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise JqRunError(f"timed out after {timeout:g} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise JqRunError("jq worker exited")
                self._buffer += chunk
                if len(self._buffer) > _MAX_REPLY:
                    raise JqRunError("reply too large")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._buffer = b""


_shared: _Worker | None = None
_shared_lock = threading.Lock()


def _worker() -> _Worker:
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = _Worker()
        return _shared


def _concrete(path: Any) -> ConcretePath:
    if not isinstance(path, list):
        raise JqRunError("jq returned a path that is not a list")
    parts: list[str | int] = []
    for part in path:
        if isinstance(part, bool) or not isinstance(part, (str, int, float)):
            # A slice ({"start":..,"end":..}) or similar: not a field or an index.
            raise JqRunError(f"unsupported path component {json.dumps(part)[:60]}")
        parts.append(int(part) if isinstance(part, float) else part)
    return tuple(parts)


def _first_line(err: Exception) -> str:
    return " ".join(str(err).split())[:300]
