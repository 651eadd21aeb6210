"""Sync options and hook policies against the in-memory port."""

from __future__ import annotations

from typing import Any

from gitsync.model.annotations import SyncOptions
from gitsync.model.manifest import Manifest
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore, configmap_name
from tests.sync.fakeport import FakePort
from tests.sync.test_operation import FAST, obj, request, run, tracked


def crd(group: str, kind: str, wave: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{kind.lower()}s.{group}",
            "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": f"{kind.lower()}s"},
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }


def test_crd_and_its_resources_in_one_sync() -> None:
    port = FakePort()
    docs = [obj("Widget", "w", api="example.com/v1"), crd("example.com", "Widget", wave=3)]
    state = run(port, request(docs))
    assert state.phase == "Succeeded", state.message
    assert [w[1] for w in port.resource_writes()] == [
        "CustomResourceDefinition/widgets.example.com",
        "Widget/default/w",
    ]


def test_skip_dry_run_on_missing_resource() -> None:
    port = FakePort()
    skip = {"argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"}
    state = run(port, request([obj("Gadget", "g", api="example.com/v1", ann=skip)]))
    # pre-flight passes; the real apply then fails because the kind does not exist
    assert state.phase == "Failed"
    assert "dry run" not in state.message and "Gadget/default/g" in state.message


def test_fail_on_shared_resource() -> None:
    port = FakePort()
    theirs = tracked("ConfigMap", "cfg")
    theirs["metadata"]["annotations"]["gitsync.io/tracking-id"] = "other:/ConfigMap:default/cfg"
    port.put(theirs)
    opts = SyncOptions.parse(["FailOnSharedResource=true"])
    req = SyncRequest(
        app="shop",
        manifests=[Manifest.from_object(obj("ConfigMap", "cfg"))],
        sync_options=opts,
        settings=FAST,
    )
    state = run(port, req)
    assert state.phase == "Failed" and "already managed by app other" in state.message
    assert port.resource_writes() == []


def test_hook_succeeded_policy_deletes_after_success_and_bhc_recreates() -> None:
    port = FakePort()
    gone = {"argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}
    docs = [obj("Job", "once", hook="PostSync", ann=gone), obj("Job", "kept", hook="PreSync")]
    assert run(port, request(docs)).phase == "Succeeded"
    assert port.find("Job", "once") is None
    kept = port.find("Job", "kept")
    assert kept is not None and not kept["metadata"].get("finalizers")
    port.writes.clear()
    assert run(port, request(docs)).phase == "Succeeded"
    verbs = [w for w in port.resource_writes() if w[1] == "Job/default/kept"]
    assert verbs[0] == ("delete:Background", "Job/default/kept")
    assert ("apply", "Job/default/kept") in verbs


def test_degraded_resource_in_a_multi_wave_sync_fails_it() -> None:
    port = FakePort()
    port.hold.add("db")
    req = request([obj("Deployment", "db", wave=-1), obj("ConfigMap", "cfg")])
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(req)
    state = runner.step(req, state)
    db = port.find("Deployment", "db")
    db["status"] = {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        ],
    }
    while not state.terminal:
        state = runner.step(req, state)
    assert state.phase == "Failed" and "Deployment/default/db" in state.message
    assert port.find("ConfigMap", "cfg") is None


def test_prune_uses_foreground_by_default_and_the_policy_option() -> None:
    port = FakePort()
    docs = [obj("ConfigMap", "a"), obj("ConfigMap", "b")]
    assert run(port, request(docs)).phase == "Succeeded"
    port.find("ConfigMap", "b")["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] = (
        "PrunePropagationPolicy=orphan"
    )
    port.writes.clear()
    settings = SyncSettings(wave_delay=0, prune=True)
    assert run(port, request([obj("ConfigMap", "c")], settings)).phase == "Succeeded"
    deletes = sorted(w for w in port.resource_writes() if w[0].startswith("delete"))
    assert deletes == [
        ("delete:Foreground", "ConfigMap/default/a"),
        ("delete:Orphan", "ConfigMap/default/b"),
    ]


def test_state_survives_json_and_store_names_are_dns_safe() -> None:
    port = FakePort()
    runner = SyncRunner(port, OperationStore(port))
    req = request([obj("Job", "pre", hook="PreSync"), obj("ConfigMap", "c")])
    state = runner.step(req, runner.begin(req))
    again = OperationState.from_json(state.to_json())
    assert again == state
    assert OperationState.from_json("{not json") is None
    assert configmap_name("shop") == "gitsync-op-shop"
    odd = configmap_name("Team_A/" + "x" * 80)
    assert len(odd) <= 63 and odd.startswith("gitsync-op-team-a-x")


def test_timeout_fails_and_deletes_running_hooks() -> None:
    port = FakePort()
    port.job_gets = 10**6  # never completes
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += max(seconds, 0.5)

    runner = SyncRunner(port, OperationStore(port), clock=lambda: clock[0], sleep=sleep)
    state = runner.run(request([obj("Job", "forever", hook="Sync")]), timeout=5)
    assert state.phase == "Failed" and "timed out" in state.message
    assert port.find("Job", "forever") is None


def test_respect_ignore_differences_keeps_live_values() -> None:
    from gitsync.diff import IgnoreDifferences

    port = FakePort()
    base = obj("Deployment", "web")
    base["spec"]["replicas"] = 2
    assert run(port, request([base])).phase == "Succeeded"
    port.find("Deployment", "web")["spec"]["replicas"] = 5  # an autoscaler changed it
    rules = IgnoreDifferences.from_app_spec(
        [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]
    )
    settings = SyncSettings(wave_delay=0, ignore_differences=rules)
    req = SyncRequest(
        app="shop",
        manifests=[Manifest.from_object(base)],
        sync_options=SyncOptions.parse(["RespectIgnoreDifferences=true"]),
        settings=settings,
    )
    port.writes.clear()
    assert run(port, req).phase == "Succeeded"
    assert port.find("Deployment", "web")["spec"]["replicas"] == 5
    assert port.resource_writes() == []  # nothing else differs: no write at all
