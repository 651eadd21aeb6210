from __future__ import annotations

import threading

from gitsync.controller.workqueue import WorkQueue


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_duplicate_adds_coalesce() -> None:
    q = WorkQueue()
    for _ in range(5):
        q.add("a")
    q.add("b")
    assert len(q) == 2
    assert q.get(timeout=0) == "a"
    assert q.get(timeout=0) == "b"
    assert q.get(timeout=0) is None


def test_key_added_while_processing_runs_again_after_done_not_concurrently() -> None:
    q = WorkQueue()
    q.add("a")
    assert q.get(timeout=0) == "a"
    q.add("a")
    q.add("a")
    assert q.get(timeout=0) is None  # not handed to a second worker while processing
    q.done("a")
    assert q.get(timeout=0) == "a"
    q.done("a")
    assert q.get(timeout=0) is None


def test_add_after_waits_for_the_clock() -> None:
    clock = FakeClock()
    q = WorkQueue(clock=clock)
    q.add_after("a", 10)
    assert q.get(timeout=0) is None
    clock.now = 10.5
    assert q.get(timeout=0) == "a"


def test_shutdown_wakes_waiting_workers() -> None:
    q = WorkQueue()
    got: list[str | None] = []
    worker = threading.Thread(target=lambda: got.append(q.get()))
    worker.start()
    q.shutdown()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert got == [None]


def test_add_first_jumps_the_queue_once() -> None:
    q = WorkQueue()
    for key in ("a", "b", "c"):
        q.add(key)
    q.add_first("c")  # already queued: moved to the front, not queued twice
    q.add_first("d")
    assert len(q) == 4
    assert [q.get(timeout=0) for _ in range(4)] == ["d", "c", "a", "b"]
    assert q.get(timeout=0) is None


def test_add_first_of_a_key_in_process_runs_it_again_after_done() -> None:
    q = WorkQueue()
    q.add("a")
    assert q.get(timeout=0) == "a"
    q.add("b")
    q.add_first("a")
    assert q.get(timeout=0) == "b"  # "a" waits for its own run to end
    q.done("a")
    assert q.get(timeout=0) == "a"
