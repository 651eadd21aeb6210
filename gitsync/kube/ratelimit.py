"""Client-side request throttling: a token bucket (QPS and burst), as client-go has.

Argo CD and Flux default to 50 QPS with a burst of 100. Tokens may go negative: each
caller reserves its token at once and sleeps for its own turn, so waiters are served in
arrival order and the lock is never held while sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_QPS = 50.0
DEFAULT_BURST = 100


class TokenBucket:
    """`qps` tokens per second accumulate up to `burst`; each request takes one.

    `qps <= 0` disables throttling. `clock` and `sleep` are injectable for tests.
    """

    def __init__(
        self,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if burst < 1 and qps > 0:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.qps = float(qps)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._last = clock()

    @property
    def unlimited(self) -> bool:
        return self.qps <= 0

    def reserve(self) -> float:
        """Take one token now; return how many seconds the caller must wait before using it."""
        if self.unlimited:
            return 0.0
        with self._lock:
            now = self._clock()
            elapsed = max(now - self._last, 0.0)
            self._last = now
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.qps

    def acquire(self) -> float:
        """Block until a token is available; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def available(self) -> float:
        """Tokens available right now (negative when callers are queued)."""
        if self.unlimited:
            return float("inf")
        with self._lock:
            elapsed = max(self._clock() - self._last, 0.0)
            return min(float(self.burst), self._tokens + elapsed * self.qps)
