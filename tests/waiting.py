"""The one way tests wait: poll a condition until it holds, or fail naming what was awaited.

A condition returns something truthy when it holds; exceptions listed in `retry_on` (e.g.
a server that is not listening yet) count as "not yet". Tests never sleep and then assert.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    check: Callable[[], T | None],
    timeout: float = 10.0,
    interval: float = 0.01,
    what: str = "",
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = check()
            last = value
            if value:
                return value
        except retry_on as err:
            last = err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}: last={last!r}")
        time.sleep(interval)
