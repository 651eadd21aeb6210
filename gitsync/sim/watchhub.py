"""The event history that watches read from: bounded, ordered by resourceVersion, with a
condition variable so watchers wake as soon as an event is published."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class WatchEvent:
    """One change to a stored object, as watches deliver it."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    group: str
    kind: str
    namespace: str
    name: str
    obj: dict[str, Any]
    raw: bytes  # the object as JSON

    @property
    def labels(self) -> dict[str, str]:
        labels = self.obj.get("metadata", {}).get("labels")
        return labels if isinstance(labels, dict) else {}


class TooOld(Exception):
    """The requested resourceVersion is older than the retained history."""


class WatchHub:
    """The bounded history of changes that watches read and resume from."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self.cond = threading.Condition(threading.Lock())
        self._events: list[WatchEvent] = []
        self._rvs: list[int] = []
        self._base = 0  # sequence number of _events[0]
        self.compacted_rv = 0  # events at or below this version are gone
        self.closed = False

    def publish(self, event: WatchEvent) -> None:
        with self.cond:
            self._events.append(event)
            self._rvs.append(event.rv)
            if len(self._events) > 2 * self.capacity:
                drop = len(self._events) - self.capacity
                self.compacted_rv = self._rvs[drop - 1]
                del self._events[:drop]
                del self._rvs[:drop]
                self._base += drop
            self.cond.notify_all()

    def next_seq(self) -> int:
        with self.cond:
            return self._base + len(self._events)

    def seq_after(self, rv: int) -> int:
        """Sequence number of the first event newer than `rv`; TooOld when lost."""
        with self.cond:
            if rv < self.compacted_rv:
                raise TooOld()
            return self._base + bisect.bisect_right(self._rvs, rv)

    def wait(self, seq: int, timeout: float) -> tuple[list[WatchEvent], int]:
        """Events from `seq` on, waiting up to `timeout` for one; (events, next seq)."""
        with self.cond:
            if seq < self._base:
                raise TooOld()
            if seq - self._base >= len(self._events) and not self.closed:
                self.cond.wait(timeout)
            if seq < self._base:
                raise TooOld()
            events = self._events[seq - self._base :]
            return events, seq + len(events)

    def set_compacted(self, rv: int) -> None:
        with self.cond:
            self.compacted_rv = max(self.compacted_rv, rv)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
