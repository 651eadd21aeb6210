"""A small thread-safe LRU mapping for render and parse caches, bounded in entries and,
when `max_weight` is set, in the total weight (bytes) of what it holds."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A least-recently-used cache bounded by entries and, optionally, by total weight."""

    def __init__(self, size: int, max_weight: int | None = None) -> None:
        self.size = max(0, size)
        self.max_weight = max_weight
        self.weight = 0
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._data.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, weight: int = 0) -> None:
        """Keep `value`; the least recently used entries go while there are more than
        `size` or they weigh more than `max_weight` (an entry heavier than that alone
        is not kept)."""
        if self.size == 0 or (self.max_weight is not None and weight > self.max_weight):
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._data[key] = (value, weight)
            self.weight += weight
            while len(self._data) > self.size or (
                self.max_weight is not None and self.weight > self.max_weight
            ):
                _, (_, dropped) = self._data.popitem(last=False)
                self.weight -= dropped

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.weight = 0
