"""The token bucket, on an injected clock (no real sleeping)."""

from __future__ import annotations

import pytest

from gitsync.kube import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def bucket(qps: float, burst: int, clock: FakeClock) -> TokenBucket:
    return TokenBucket(qps, burst, clock=clock, sleep=clock.sleep)


def test_burst_passes_without_waiting_then_requests_are_spaced_at_qps() -> None:
    clock = FakeClock()
    limiter = bucket(50, 100, clock)
    assert [limiter.acquire() for _ in range(100)] == [0.0] * 100
    assert clock.slept == []
    waits = [limiter.acquire() for _ in range(5)]
    assert waits == pytest.approx([0.02] * 5)
    assert clock.now == pytest.approx(100.1)


def test_waiters_reserve_in_order_without_holding_the_lock() -> None:
    clock = FakeClock()
    limiter = bucket(10, 1, clock)
    assert limiter.reserve() == 0.0
    # three callers arriving together are told to wait 0.1, 0.2 and 0.3 s
    assert [limiter.reserve() for _ in range(3)] == pytest.approx([0.1, 0.2, 0.3])
    assert limiter.available() == pytest.approx(-3.0)


def test_tokens_refill_with_time_up_to_burst_only() -> None:
    clock = FakeClock()
    limiter = bucket(5, 3, clock)
    for _ in range(3):
        limiter.acquire()
    assert limiter.available() == pytest.approx(0.0)
    clock.now += 0.4  # two tokens come back
    assert limiter.available() == pytest.approx(2.0)
    clock.now += 60  # an idle minute refills only to the burst
    assert limiter.available() == pytest.approx(3.0)
    assert [limiter.reserve() for _ in range(4)] == pytest.approx([0, 0, 0, 0.2])


def test_sustained_rate_over_many_requests_is_qps() -> None:
    clock = FakeClock()
    limiter = bucket(50, 100, clock)
    start = clock.now
    for _ in range(600):
        limiter.acquire()
    # 100 from the burst, the other 500 at 50/s
    assert clock.now - start == pytest.approx(10.0)


def test_zero_qps_means_unlimited() -> None:
    clock = FakeClock()
    limiter = bucket(0, 0, clock)
    assert all(limiter.acquire() == 0.0 for _ in range(10_000))
    assert clock.slept == []


def test_burst_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(10, 0)
