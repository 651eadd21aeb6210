"""Operation states written by an earlier gitsync (tests/fixtures/sync/state-v1, see its
README) load, show as they did, and resume to the end with the current code."""

from __future__ import annotations

import json
from typing import Any

from gitsync.model.manifest import Manifest
from gitsync.sync.report import summary_lines
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore, configmap_name
from tests.sync.fakeport import FakePort
from tests.sync.helpers import FIXTURES, load_docs

STATES = FIXTURES / "state-v1"
REVISION = "0123456789abcdef0123456789abcdef01234567"
STARTED = 1700000000
PRESYNC_HOOK = f"migrate-{REVISION[:7]}-presync-{STARTED}"


def _stored(name: str) -> str:
    return (STATES / f"{name}.operation.json").read_text()


def _port_with(name: str) -> FakePort:
    """The cluster as the earlier gitsync left it: live objects and the stored state."""
    port = FakePort()
    for obj in load_docs(STATES / f"{name}.live.yaml"):
        port.put(obj)
    port.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": configmap_name("shop"), "namespace": "gitsync"},
            "data": {"operation.json": _stored(name), "kinds.json": "[]"},
        }
    )
    return port


def _request(prune: bool = True) -> SyncRequest:
    manifests = [Manifest.from_object(d) for d in load_docs(STATES / "manifests.yaml")]
    return SyncRequest(
        app="shop",
        manifests=manifests,
        revision=REVISION,
        dest_namespace="default",
        settings=SyncSettings(prune=prune, wave_delay=5.0),
    )


def _runner(port: FakePort) -> SyncRunner:
    """A runner on a clock that starts later than any pause the stored states wait for and
    moves only when the runner sleeps."""
    now = [STARTED + 3600.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return SyncRunner(
        port, OperationStore(port), poll_interval=0.5, clock=lambda: now[0], sleep=sleep
    )


def _shown(name: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads((STATES / f"{name}.shown.json").read_text())
    return shown


def test_every_stored_state_loads_and_shows_as_before() -> None:
    """What was shown is shown again; the change set (new) is read from what was stored."""
    changes = {
        "presync-running": {"created": 1},
        "between-waves": {"created": 2, "pruned": 1},
        "failed": {"created": 5, "pruneSkipped": 1},
    }
    for name, expected in changes.items():
        state = OperationState.from_json(_stored(name))
        assert state is not None, name
        shown = state.public()
        assert shown.pop("changes") == expected, name
        assert shown == _shown(name)["public"], name
        before = _shown(name)["summary"]
        counts = ", ".join(f"{n} {a}" for a, n in expected.items())
        assert list(summary_lines(state)) == [before[0], f"{before[1]} ({counts})"], name


def test_saved_again_every_earlier_field_keeps_its_value() -> None:
    """What the current code writes back reads the same to the earlier code, which keeps
    the fields it knows and drops the others."""
    for name in ("presync-running", "between-waves", "failed"):
        old = json.loads(_stored(name))
        state = OperationState.from_json(_stored(name))
        assert state is not None
        new = json.loads(state.to_json())
        assert {k: new[k] for k in old if k != "results"} == {
            k: v for k, v in old.items() if k != "results"
        }, name
        for task_id, result in old["results"].items():
            again = new["results"][task_id]
            assert {k: again[k] for k in result} == result, (name, task_id)


def test_a_running_presync_hook_is_resumed_not_created_again() -> None:
    port = _port_with("presync-running")
    runner = _runner(port)
    request = _request()
    state = runner.begin(request)
    assert state.started_at == STARTED and PRESYNC_HOOK in state.message  # resumed
    state = runner.run(request, timeout=60)
    assert state.phase == "Succeeded", state.message
    # The hook is not created again: its result is read and its finalizer released.
    assert port.resource_writes() == [
        ("unfinalize", f"Job/default/{PRESYNC_HOOK}"),
        ("delete:Foreground", "ConfigMap/default/old"),
        ("apply", "ConfigMap/default/settings"),
        ("apply", "Deployment/default/web"),
        ("apply", "Job/default/smoke"),
        ("unfinalize", "Job/default/smoke"),
        ("delete:Background", "Job/default/smoke"),  # HookSucceeded
    ]
    assert port.find("Job", "alert") is None  # SyncFail never ran
    by_name = {r.name: r for r in state.ordered_results()}
    assert by_name[PRESYNC_HOOK].status == "Succeeded"
    assert by_name["old"].result == "Pruned" and by_name["settings"].message == "created"


def test_a_paused_operation_goes_on_with_the_next_wave() -> None:
    port = _port_with("between-waves")
    runner = _runner(port)
    request = _request()
    state = runner.run(request, timeout=60)
    assert state.phase == "Succeeded", state.message
    assert port.resource_writes() == [
        ("apply", "Deployment/default/web"),
        ("apply", "Job/default/smoke"),
        ("unfinalize", "Job/default/smoke"),
        ("delete:Background", "Job/default/smoke"),
    ]
    results = {r.name: (r.result, r.status, r.message) for r in state.ordered_results()}
    assert results["old"] == ("Pruned", "Succeeded", "pruned")
    assert results["settings"] == ("Synced", "Succeeded", "created")
    assert results["web"] == ("Synced", "Succeeded", "created")


def test_a_finished_operation_is_not_resumed() -> None:
    port = _port_with("failed")
    state = _runner(port).begin(_request(prune=False))
    assert state.phase == "Running" and not state.results
    assert state.started_at == STARTED + 3600


def test_a_finished_operation_its_caller_saw_running_is_given_back_as_it_ended() -> None:
    """A controller stopped after the operation ended but before it recorded the end: it
    asks for the operation it saw start, and gets its end, not a new sync."""
    port = _port_with("failed")
    state = _runner(port).begin(_request(prune=False), ended_from=STARTED + 100)
    assert state.terminal and state.phase == "Failed"
    assert state.started_at == STARTED + 100
    assert port.writes == []


def test_a_finished_operation_of_another_start_is_not_given_back() -> None:
    port = _port_with("failed")
    state = _runner(port).begin(_request(prune=False), ended_from=STARTED)
    assert state.phase == "Running" and not state.results
