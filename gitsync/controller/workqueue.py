"""A coalescing work queue, as Kubernetes controllers use.

A key queued twice is processed once; a key added while a worker processes it is
processed again afterwards, never by two workers at once. This gives the controller
"one operation per app at a time" and "a burst of pushes becomes one refresh" for free.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class QueueObserver(Protocol):
    """What the queue reports as it works (`gitsync.metrics.Metrics` is one)."""

    def queue_added(self, depth: int) -> None: ...

    def queue_taken(self, depth: int, waited: float) -> None: ...

    def queue_worked(self, seconds: float) -> None: ...


class WorkQueue:
    """Deduplicating app queue: an app queued while it is processed runs once more after."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, observer: QueueObserver | None = None
    ) -> None:
        self._clock = clock
        self._observer = observer
        self._added_at: dict[str, float] = {}
        self._taken_at: dict[str, float] = {}
        self._cond = threading.Condition()
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._delayed: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._shutdown = False

    def add(self, key: str) -> None:
        self._enqueue(key, first=False)

    def add_first(self, key: str) -> None:
        """Like `add`, but ahead of everything queued (moved there if already queued)."""
        self._enqueue(key, first=True)

    def _enqueue(self, key: str, *, first: bool) -> None:
        with self._cond:
            if self._shutdown:
                return
            if key in self._processing:
                self._dirty.add(key)
                return
            if key in self._queued:
                if not first:
                    return
                self._queue.remove(key)
            self._queued.add(key)
            if first:
                self._queue.appendleft(key)
            else:
                self._queue.append(key)
            self._added(key)
            self._cond.notify()

    def add_after(self, key: str, delay: float) -> None:
        """Queue `key` once `delay` seconds have passed (earliest request wins)."""
        if delay <= 0:
            self.add(key)
            return
        with self._cond:
            if self._shutdown:
                return
            heapq.heappush(self._delayed, (self._clock() + delay, next(self._seq), key))
            self._cond.notify()

    def _promote_due(self) -> float | None:
        """Move due delayed keys into the queue; return seconds until the next one."""
        now = self._clock()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, key = heapq.heappop(self._delayed)
            if key in self._processing:
                self._dirty.add(key)
            elif key not in self._queued:
                self._queued.add(key)
                self._queue.append(key)
                self._added(key)
        return self._delayed[0][0] - now if self._delayed else None

    def _added(self, key: str) -> None:
        """Bookkeeping for a key that just entered the queue (lock held)."""
        self._added_at.setdefault(key, self._clock())
        if self._observer is not None:
            self._observer.queue_added(len(self._queue))

    def get(self, timeout: float | None = None) -> str | None:
        """The next key to process, or None on shutdown or timeout. Call done(key) after."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while True:
                wait = self._promote_due()
                if self._queue:
                    key = self._queue.popleft()
                    self._queued.discard(key)
                    self._processing.add(key)
                    now = self._clock()
                    self._taken_at[key] = now
                    waited = now - self._added_at.pop(key, now)
                    if self._observer is not None:
                        self._observer.queue_taken(len(self._queue), waited)
                    return key
                if self._shutdown:
                    return None
                if deadline is not None:
                    remaining = deadline - self._clock()
                    if remaining <= 0:
                        return None
                    wait = remaining if wait is None else min(wait, remaining)
                self._cond.wait(wait)

    def done(self, key: str) -> None:
        with self._cond:
            self._processing.discard(key)
            taken = self._taken_at.pop(key, None)
            if taken is not None and self._observer is not None:
                self._observer.queue_worked(self._clock() - taken)
            if key in self._dirty:
                self._dirty.discard(key)
                if key not in self._queued:
                    self._queued.add(key)
                    self._queue.append(key)
                    self._added(key)
                    self._cond.notify()

    def shutdown(self) -> None:
        with self._cond:
            self._shutdown = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._queue)

    def busy(self) -> set[str]:
        with self._cond:
            return set(self._processing)
