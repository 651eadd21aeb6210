"""Counters of the API requests a `Cluster` made, by verb and by (verb, status code).

Verbs follow the API server's own metric (``apiserver_request_total``): GET, LIST, WATCH,
POST, PUT, PATCH, APPLY, DELETE. A status code of 0 means no answer (connection failed).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

# observer(verb, status code, seconds the request took)
RequestObserver = Callable[[str, int, float], None]


class RequestStats:
    """Counts of API requests by verb and status code, with observers for metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_verb: Counter[str] = Counter()
        self._by_code: Counter[tuple[str, int]] = Counter()
        self._observers: list[RequestObserver] = []

    def record(self, verb: str, code: int, seconds: float = 0.0) -> None:
        with self._lock:
            self._by_verb[verb] += 1
            self._by_code[(verb, code)] += 1
            observers = list(self._observers)
        for observe in observers:
            observe(verb, code, seconds)

    def add_observer(self, observer: RequestObserver) -> None:
        """`observer(verb, code, seconds)` after every request (metrics)."""
        with self._lock:
            self._observers.append(observer)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._by_verb.values())

    def by_code(self) -> dict[tuple[str, int], int]:
        with self._lock:
            return dict(self._by_code)

    def count(self, *verbs: str) -> int:
        with self._lock:
            return sum(self._by_verb[v] for v in verbs)

    def reset(self) -> None:
        with self._lock:
            self._by_verb.clear()
            self._by_code.clear()
