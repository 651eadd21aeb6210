"""Waiting on simulated controllers: the shared `tests.waiting.wait_for`."""

from tests.waiting import wait_for

__all__ = ["wait_for"]
