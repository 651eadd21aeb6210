"""The pre-flight dry run and transient API errors: retried with a bounded backoff inside
the same operation (no retry policy needed), without the step ever sleeping."""

from __future__ import annotations

import pytest

from gitsync.sync.runner import SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore
from tests.sync.fakeport import FakePort
from tests.sync.test_operation import obj, request

SETTINGS = SyncSettings(wave_delay=0, preflight_retries=3, preflight_backoff=1.0)


def _run(port: FakePort, settings: SyncSettings = SETTINGS) -> tuple[OperationState, list[float]]:
    clock = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    runner = SyncRunner(
        port, OperationStore(port), poll_interval=0.1, clock=lambda: clock[0], sleep=sleep
    )
    docs = [obj("ConfigMap", "settings"), obj("Deployment", "web")]
    return runner.run(request(docs, settings), timeout=120), sleeps


def test_transient_preflight_errors_are_retried_in_the_same_operation() -> None:
    port = FakePort()
    port.transient["Deployment/web"] = 2
    state, sleeps = _run(port)
    assert state.phase == "Succeeded", state.message
    assert state.retry_count == 0 and state.preflight_attempts == 2
    assert sleeps[:2] == [pytest.approx(1.0), pytest.approx(2.0)]
    assert ("apply", "Deployment/default/web") in port.resource_writes()


def test_retries_are_bounded_then_the_sync_fails_naming_the_resource() -> None:
    port = FakePort()
    port.transient["Deployment/web"] = 1000
    state, sleeps = _run(port)
    assert state.phase == "Failed"
    assert "Deployment/default/web" in state.message and "503" in state.message
    assert state.preflight_attempts == 3
    assert sum(sleeps) == pytest.approx(1.0 + 2.0 + 4.0)
    assert port.resource_writes() == []  # nothing written: the pre-flight never passed


def test_a_permanent_error_is_not_retried() -> None:
    port = FakePort()
    port.transient["Deployment/web"] = 1000
    port.reject["ConfigMap/settings"] = "spec is invalid"
    state, sleeps = _run(port)
    assert state.phase == "Failed" and "spec is invalid" in state.message
    assert state.preflight_attempts == 0 and sleeps == []


def test_the_backoff_is_capped() -> None:
    settings = SyncSettings(preflight_backoff=1.0, preflight_max_backoff=8.0)
    assert [settings.preflight_delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
