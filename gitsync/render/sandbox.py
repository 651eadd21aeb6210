"""Run one render task (Helm, Jsonnet, Kustomize) in a child process that cannot take the
controller down with it: its address space is capped (RLIMIT_AS, inherited by the tools
it starts), it is killed with its whole process group when `render_timeout` passes, and
its answer is read only up to `max_manifest_bytes`.

The child is ``python gitsync/render/child.py``, started fresh for every render: a clean
process (no threads, no Go runtime already loaded) that the kernel can account and kill.
That costs a Python start-up per render; the renderer's cache keeps repeated renders of
one commit from paying it again.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from gitsync.errors import GitsyncError, RenderError
from gitsync.render.limits import Limits

CHILD = str(Path(__file__).with_name("child.py"))
_MEMORY_SIGNS = ("out of memory", "memory allocation", "cannot allocate memory", "bad_alloc")
_ENVELOPE = 64 * 1024  # JSON framing around the largest answer the bound lets through

# Serves the child's requests (Jsonnet imports): a request -> an answer, or a string error.
Server = Callable[[list[str]], Any]


class TaskFailed(GitsyncError):
    """The task itself failed (a tool's own error); `kind` says which, `str` says why."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class Sandbox:
    """Starts bounded children; `close` kills those still running (shutdown)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def run(
        self,
        task: str,
        args: tuple[Any, ...],
        what: str,
        serve: Server | None = None,
        answer_bytes: int | None = None,
    ) -> Any:
        """The result of `task` in a child; `what` ("helm template apps/web") names it in
        errors; the answer is read up to `answer_bytes` (default: max-manifest-bytes).
        Raises LimitExceeded, TaskFailed or RenderError."""
        limits = self.limits
        memory = limits.render_memory_limit
        inbox_r, inbox_w = os.pipe()
        outbox_r, outbox_w = os.pipe()
        errors_r, errors_w = os.pipe()
        started = False
        try:
            with self._lock:
                if self._closed:
                    raise RenderError(f"{what}: not started, gitsync is shutting down")
                child = subprocess.Popen(
                    [sys.executable, "-P", CHILD, *map(str, (inbox_r, outbox_w, memory))],
                    pass_fds=(inbox_r, outbox_w),
                    stdin=subprocess.DEVNULL,
                    stdout=errors_w,
                    stderr=errors_w,
                    start_new_session=True,  # its own process group: killed with its tools
                )
                self._running.add(child)
                started = True
        finally:
            for fd in (
                (inbox_r, outbox_w, errors_w)
                if started
                else (inbox_r, inbox_w, outbox_r, outbox_w, errors_r, errors_w)
            ):
                os.close(fd)
        to_child = Connection(inbox_w, readable=False)
        from_child = Connection(outbox_r, writable=False)
        try:
            to_child.send_bytes(pickle.dumps((task, args)))
            return self._answer(child, to_child, from_child, errors_r, what, serve, answer_bytes)
        except BrokenPipeError:
            return self._answer(child, to_child, from_child, errors_r, what, serve, answer_bytes)
        finally:
            _kill(child)
            child.wait()
            with self._lock:
                self._running.discard(child)
            to_child.close()
            from_child.close()
            os.close(errors_r)

    def _answer(
        self,
        child: subprocess.Popen[bytes],
        to_child: Connection,
        from_child: Connection,
        errors_fd: int,
        what: str,
        serve: Server | None,
        answer_bytes: int | None,
    ) -> Any:
        limits = self.limits
        longest = (answer_bytes or limits.max_manifest_bytes) + _ENVELOPE
        deadline = time.monotonic() + limits.render_timeout
        stderr = b""
        reading_errors = True
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise limits.exceeded(
                    "render-timeout", f"still running after {limits.render_timeout:g}s", what
                )
            waiting: list[Any] = [from_child] + ([errors_fd] if reading_errors else [])
            ready = wait(waiting, timeout=remaining)
            if errors_fd in ready:
                chunk = os.read(errors_fd, 65536)
                reading_errors = bool(chunk)
                stderr = (stderr + chunk)[-8192:]  # the tail says why it died
            if from_child not in ready:
                continue
            try:
                raw = from_child.recv_bytes(longest)
            except EOFError:
                raise self._died(child, stderr, what) from None
            except OSError:  # longer than maxlength
                raise limits.exceeded("max-manifest-bytes", "the render's output", what) from None
            message = json.loads(raw)
            if "request" in message:
                answer = serve(message["request"]) if serve else "no requests served"
                to_child.send_bytes(pickle.dumps(answer))
                continue
            if "result" in message:
                return message["result"]
            kind, text = message["error"]
            if kind.startswith("limit:"):
                bound = kind.removeprefix("limit:")
                raise limits.exceeded(bound, text, what)
            raise TaskFailed(kind, text)

    def _died(self, child: subprocess.Popen[bytes], stderr: bytes, what: str) -> GitsyncError:
        with self._lock:
            closed = self._closed
        if closed:
            return RenderError(f"{what}: stopped, gitsync is shutting down")
        code = child.wait()
        tail = stderr.decode("utf-8", "replace")
        if (code < 0 and -code in (signal.SIGABRT, signal.SIGSEGV, signal.SIGKILL)) or any(
            sign in tail.lower() for sign in _MEMORY_SIGNS
        ):
            return self.limits.exceeded("render-memory-limit", "ran out of memory", what)
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {code}"
        return RenderError(f"{what}: render process failed: {last}")

    def running(self) -> int:
        """How many children are running now."""
        with self._lock:
            return len(self._running)

    def close(self) -> None:
        """Kill every running child and refuse new ones (controller shutdown)."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        for child in running:
            _kill(child)


def bounded_argv(argv: list[str], memory: int) -> list[str]:
    """`argv` run under RLIMIT_AS `memory` (bytes): started through the child script,
    which sets the limit and then becomes the command (exec)."""
    if memory <= 0:
        return list(argv)
    return [sys.executable, "-P", CHILD, "exec", str(memory), *argv]


def _kill(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()
