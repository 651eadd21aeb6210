"""When the runner stores an operation: a replayable one (an automated sync a restart would
start again) goes unstored while it goes well; hooks, failures, retries, unknown kinds
and requests people made are stored as before."""

from __future__ import annotations

from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import RetryPolicy, SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore
from tests.sync.fakeport import FakePort
from tests.sync.test_operation import obj, request

SEARCHED = (("v1", "ConfigMap"), ("v1", "Service"), ("apps/v1", "Deployment"))


def op_writes(port: FakePort) -> list[tuple[str, str]]:
    return [w for w in port.writes if "gitsync-op-" in w[1]]


def run(port: FakePort, req: SyncRequest) -> tuple[SyncRunner, OperationState]:
    runner = SyncRunner(
        port, OperationStore(port), poll_interval=0, sleep=lambda _: None, searched_kinds=SEARCHED
    )
    return runner, runner.run(req, timeout=30)


def test_a_replayable_sync_that_goes_well_is_never_stored() -> None:
    port = FakePort()
    docs = [obj("ConfigMap", "a"), obj("Deployment", "web"), obj("Service", "web")]
    runner, state = run(port, request(docs, replayable=True))
    assert state.phase == "Succeeded", state.message
    assert len(port.resource_writes()) == 3
    assert op_writes(port) == []
    assert OperationStore(port).load("shop") == (None, set())
    assert not runner.stored("shop")


def test_a_replayable_sync_of_several_waves_is_stored_before_its_first_write() -> None:
    # it waits for each wave's health: a restart and other replicas must see it run
    port = FakePort()
    docs = [obj("ConfigMap", "a"), obj("Deployment", "web", wave=1)]
    runner, state = run(port, request(docs, replayable=True))
    assert state.phase == "Succeeded", state.message
    assert runner.stored("shop")
    assert port.writes.index(op_writes(port)[0]) < port.writes.index(port.resource_writes()[0])


def test_the_same_sync_asked_for_is_stored_before_its_first_write() -> None:
    port = FakePort()
    runner, state = run(port, request([obj("ConfigMap", "a")]))
    assert state.phase == "Succeeded", state.message
    assert runner.stored("shop")
    first_op = port.writes.index(op_writes(port)[0])
    first_object = port.writes.index(port.resource_writes()[0])
    assert first_op < first_object
    stored, _ = OperationStore(port).load("shop")
    assert stored is not None and stored.phase == "Succeeded"


def test_a_replayable_sync_with_a_hook_is_stored_before_the_hook_runs() -> None:
    # re-running it from the start would run the hook twice
    port = FakePort()
    docs = [obj("Job", "migrate", hook="PreSync"), obj("ConfigMap", "a")]
    _, state = run(port, request(docs, replayable=True))
    assert state.phase == "Succeeded", state.message
    hook_write = next(i for i, w in enumerate(port.writes) if "Job/" in w[1])
    assert op_writes(port)
    assert port.writes.index(op_writes(port)[0]) < hook_write


def test_a_replayable_sync_is_stored_from_the_step_that_fails() -> None:
    port = FakePort()
    port.reject["ConfigMap/b"] = "admission webhook denied the request"
    docs = [obj("ConfigMap", "a"), obj("ConfigMap", "b")]
    _, state = run(port, request(docs, replayable=True))
    assert state.phase == "Failed"
    stored, _ = OperationStore(port).load("shop")
    assert stored is not None and stored.phase == "Failed"
    assert "denied" in stored.message


def test_a_retry_count_is_stored() -> None:
    port = FakePort()
    port.reject["ConfigMap/a"] = "admission webhook denied the request"
    settings = SyncSettings(wave_delay=0, retry=RetryPolicy(limit=1, duration=0))
    _, state = run(port, request([obj("ConfigMap", "a")], settings=settings, replayable=True))
    assert state.phase == "Failed"
    stored, _ = OperationStore(port).load("shop")
    assert stored is not None and stored.retry_count == 1


def test_a_kind_no_plan_searches_is_stored_at_the_end() -> None:
    # a restart must still find the app's objects of that kind among the prune candidates
    port = FakePort()
    docs = [obj("ConfigMap", "a"), obj("ServiceAccount", "robot")]
    _, state = run(port, request(docs, replayable=True))
    assert state.phase == "Succeeded", state.message
    assert len(op_writes(port)) == 1  # the end only
    stored, kinds = OperationStore(port).load("shop")
    assert stored is not None and stored.phase == "Succeeded"
    assert ("v1", "ServiceAccount") in kinds


def test_searched_kinds_find_what_left_git_without_a_stored_operation() -> None:
    port = FakePort()
    docs = [obj("ConfigMap", "a"), obj("Service", "web")]
    run(port, request(docs, replayable=True))
    assert port.find("Service", "web") is not None
    # a new runner (a restart) knows nothing stored of the app, and still prunes
    settings = SyncSettings(wave_delay=0, prune=True)
    _, state = run(port, request([obj("ConfigMap", "a")], settings=settings, replayable=True))
    assert state.phase == "Succeeded", state.message
    assert port.find("Service", "web") is None
