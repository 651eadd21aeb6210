"""Each write's action, and the operation's change set, against the in-memory port."""

from __future__ import annotations

from typing import Any

from gitsync.model.enums import ResultCode
from gitsync.sync.changes import Action, Change, ChangeSet
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState
from tests.sync.fakeport import FakePort
from tests.sync.test_operation import obj, request, run, tracked

OPTIONS = "argocd.argoproj.io/sync-options"


def _actions(state: OperationState) -> dict[str, Action]:
    return {c.resource: c.action for c in state.changes().changes}


def _configmap(name: str, value: str, options: str = "") -> dict[str, Any]:
    body = obj("ConfigMap", name, ann={OPTIONS: options} if options else None)
    body["data"] = {"v": value}
    return body


def test_every_write_says_what_it_did() -> None:
    port = FakePort()
    first = [_configmap("edited", "1"), _configmap("same", "1"), _configmap("put", "1")]
    state = run(port, request(first))
    assert state.phase == "Succeeded", state.message
    assert set(_actions(state).values()) == {Action.CREATED}

    port.put(tracked("ConfigMap", "gone"))
    port.put(tracked("ConfigMap", "kept", sync_options="Prune=false"))
    again = [
        _configmap("edited", "2"),
        _configmap("same", "1"),
        _configmap("put", "2", "Replace=true"),
        _configmap("forced", "1", "Replace=true,Force=true"),
    ]
    port.put({**_configmap("forced", "0"), "metadata": {"name": "forced", "namespace": "default"}})
    state = run(port, request(again, SyncSettings(wave_delay=0, prune=True)))
    assert state.phase == "Succeeded", state.message
    assert _actions(state) == {
        "ConfigMap/default/gone": Action.PRUNED,
        "ConfigMap/default/kept": Action.PRUNE_SKIPPED,
        "ConfigMap/default/edited": Action.CONFIGURED,
        "ConfigMap/default/forced": Action.RECREATED,
        "ConfigMap/default/put": Action.REPLACED,
        "ConfigMap/default/same": Action.UNCHANGED,
    }
    results = {r.name: (r.result, r.message) for r in state.ordered_results()}
    assert results["forced"] == (ResultCode.SYNCED, "replaced (recreated)")
    assert results["kept"] == (ResultCode.PRUNE_SKIPPED, "ignored (no prune)")
    assert results["same"] == (ResultCode.SYNCED, "unchanged")
    counts = state.changes().counts()
    assert list(counts) == [
        Action.CONFIGURED,
        Action.UNCHANGED,
        Action.REPLACED,
        Action.RECREATED,
        Action.PRUNED,
        Action.PRUNE_SKIPPED,
    ]
    assert state.public()["changes"] == {
        "configured": 1,
        "unchanged": 1,
        "replaced": 1,
        "recreated": 1,
        "pruned": 1,
        "pruneSkipped": 1,
    }


def test_a_dry_run_validates_and_a_refused_write_fails() -> None:
    port = FakePort()
    docs = [_configmap("ok", "1"), _configmap("bad", "1")]
    state = run(port, request(docs[:1], SyncSettings(wave_delay=0, dry_run=True)))
    assert _actions(state) == {"ConfigMap/default/ok": Action.VALIDATED}
    assert port.writes == []
    port.reject["ConfigMap/bad"] = "data.v: Invalid value"
    state = run(port, request(docs))
    assert state.phase == "Failed"
    assert _actions(state) == {"ConfigMap/default/bad": Action.FAILED}
    bad = next(r for r in state.ordered_results() if r.name == "bad")
    assert bad.result is ResultCode.SYNC_FAILED and "Invalid value" in bad.message


def test_change_set_summary_counts_in_action_order() -> None:
    changes = ChangeSet.of(
        [
            Change("ConfigMap/a/x", Action.UNCHANGED),
            Change("Job/a/pre", Action.CREATED, hook=True),
            Change("ConfigMap/a/y", Action.CREATED),
        ]
    )
    assert changes.summary() == "2 created, 1 unchanged"
    assert ChangeSet().summary() == ""
