"""The step function and runner against an in-memory port (unit level)."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.model.annotations import SyncOptions
from gitsync.model.manifest import Manifest
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import RetryPolicy, SyncSettings
from gitsync.sync.state import OperationState
from gitsync.sync.store import OperationStore
from tests.sync.fakeport import FakePort

FAST = SyncSettings(wave_delay=0)


def obj(
    kind: str,
    name: str,
    *,
    wave: int | None = None,
    hook: str | None = None,
    api: str = "",
    ann: dict[str, str] | None = None,
) -> dict[str, Any]:
    api_version = api or {"Deployment": "apps/v1", "Job": "batch/v1"}.get(kind, "v1")
    ann = dict(ann or {})
    if wave is not None:
        ann["argocd.argoproj.io/sync-wave"] = str(wave)
    if hook is not None:
        ann["argocd.argoproj.io/hook"] = hook
    body: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}
    if ann:
        body["metadata"]["annotations"] = ann
    if kind == "Deployment":
        body["spec"] = {"replicas": 1}
    return body


def request(docs: list[dict[str, Any]], settings: SyncSettings = FAST, **kw: Any) -> SyncRequest:
    manifests = [Manifest.from_object(d) for d in docs]
    return SyncRequest(app="shop", manifests=manifests, revision="abc1234", settings=settings, **kw)


def run(port: FakePort, req: SyncRequest, **kw: Any) -> OperationState:
    runner = SyncRunner(port, OperationStore(port), poll_interval=0, sleep=lambda _: None)
    return runner.run(req, timeout=30, **kw)


def results(state: OperationState) -> list[tuple[str, str, str]]:
    return [(r.resource, r.result, r.status) for r in state.ordered_results()]


def test_single_wave_without_hooks_succeeds_after_apply() -> None:
    port = FakePort()
    port.hold.add("web")  # never becomes ready: a single-wave sync does not wait for it
    state = run(port, request([obj("ConfigMap", "cfg"), obj("Deployment", "web")]))
    assert state.phase == "Succeeded", state.message
    assert port.resource_writes() == [
        ("apply", "ConfigMap/default/cfg"),
        ("apply", "Deployment/default/web"),
    ]


def test_waves_and_hooks_run_in_order() -> None:
    port = FakePort()
    docs = [
        obj("Job", "pre", hook="PreSync"),
        obj("Deployment", "backend", wave=0),
        obj("Job", "mid", hook="Sync", wave=1),
        obj("Deployment", "frontend", wave=2),
        obj("Job", "post", hook="PostSync"),
    ]
    state = run(port, request(docs))
    assert state.phase == "Succeeded", state.message
    applied = [w[1] for w in port.resource_writes() if w[0] == "apply"]
    assert applied == [
        "Job/default/pre",
        "Deployment/default/backend",
        "Job/default/mid",
        "Deployment/default/frontend",
        "Job/default/post",
    ]
    # finalizers were released once each hook's result was read
    assert all(not port.find("Job", n)["metadata"].get("finalizers") for n in ("pre", "post"))


def test_wave_waits_for_health() -> None:
    port = FakePort()
    port.hold.add("db")
    req = request([obj("Deployment", "db", wave=-1), obj("ConfigMap", "cfg")])
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(req)
    for _ in range(3):
        state = runner.step(req, state)
    assert state.phase == "Running" and "healthy state of Deployment/default/db" in state.message
    assert [w[1] for w in port.resource_writes()] == ["Deployment/default/db"]
    port.hold.clear()
    port.apply(port.find("Deployment", "db"))  # the fake controller makes it ready
    while not state.terminal:
        state = runner.step(req, state)
    assert state.phase == "Succeeded"
    assert port.find("ConfigMap", "cfg") is not None


def test_last_wave_of_a_multi_step_sync_waits_for_health() -> None:
    port = FakePort()
    port.hold.add("web")
    req = request([obj("ConfigMap", "cfg", wave=0), obj("Deployment", "web", wave=1)])
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(req)
    for _ in range(4):
        state = runner.step(req, state)
    assert state.phase == "Running", state.message
    assert "healthy state of Deployment/default/web" in state.message
    port.hold.clear()
    port.apply(port.find("Deployment", "web"))
    while not state.terminal:
        state = runner.step(req, state)
    assert state.phase == "Succeeded"


def test_failing_presync_hook_runs_syncfail_and_applies_nothing_of_sync() -> None:
    port = FakePort()
    docs = [
        obj(
            "Job",
            "migrate",
            hook="PreSync",
            ann={
                "sim.gitsync.io/fail": "true",
                "argocd.argoproj.io/hook-delete-policy": "HookFailed",
            },
        ),
        obj("Job", "keep", hook="PreSync", wave=-1),
        obj("Deployment", "web"),
        obj("Job", "notify", hook="SyncFail"),
    ]
    state = run(port, request(docs))
    assert state.phase == "Failed"
    assert "Job/default/migrate" in state.message
    assert port.find("Deployment", "web") is None
    assert port.find("Job", "notify") is not None  # SyncFail hook ran (BeforeHookCreation)
    assert port.find("Job", "migrate") is None  # HookFailed: deleted after the failure
    assert port.find("Job", "keep") is not None
    by_name = {r.name: r for r in state.results.values()}
    assert by_name["notify"].status == "Succeeded"
    assert "web" not in by_name


def test_rerun_with_nothing_changed_writes_only_hooks() -> None:
    port = FakePort()
    docs = [
        obj("ConfigMap", "cfg"),
        obj("Deployment", "web", wave=1),
        obj("Job", "smoke", hook="PostSync"),
    ]
    assert run(port, request(docs)).phase == "Succeeded"
    port.writes.clear()
    state = run(port, request(docs))
    assert state.phase == "Succeeded"
    touched = {w[1] for w in port.resource_writes()}
    assert touched == {"Job/default/smoke"}
    assert {r.name: r.message for r in state.results.values()}["cfg"] == "unchanged"


def test_unknown_kind_fails_before_any_write() -> None:
    port = FakePort()
    docs = [obj("ConfigMap", "cfg"), obj("Widget", "w", api="example.com/v1")]
    state = run(port, request(docs))
    assert state.phase == "Failed"
    assert "Widget" in state.message and "dry run" in state.message
    assert port.resource_writes() == []


def test_rejected_object_fails_dry_run_before_any_write() -> None:
    port = FakePort()
    port.reject["Deployment/web"] = "spec.replicas: Invalid value"
    state = run(port, request([obj("ConfigMap", "cfg", wave=-1), obj("Deployment", "web")]))
    assert state.phase == "Failed"
    assert "Deployment/default/web: spec.replicas: Invalid value" in state.message
    assert port.resource_writes() == []


def test_dry_run_mode_writes_nothing() -> None:
    port = FakePort()
    docs = [obj("Job", "pre", hook="PreSync"), obj("ConfigMap", "cfg")]
    state = run(port, request(docs, SyncSettings(wave_delay=0, dry_run=True)))
    assert state.phase == "Succeeded"
    assert port.writes == []
    assert {r.result for r in state.results.values()} == {"Synced"}


def tracked(kind: str, name: str, sync_options: str = "") -> dict[str, Any]:
    ann = {"argocd.argoproj.io/sync-options": sync_options} if sync_options else None
    body = obj(kind, name, ann=ann)
    group = body["apiVersion"].rpartition("/")[0]
    body["metadata"]["namespace"] = "default"
    body["metadata"].setdefault("annotations", {})["gitsync.io/tracking-id"] = (
        f"shop:{group}/{kind}:default/{name}"
    )
    body["metadata"]["labels"] = {"gitsync.io/app": "shop"}
    return body


@pytest.mark.parametrize("prune", [True, False])
def test_prune_only_when_asked(prune: bool) -> None:
    port = FakePort()
    port.put(tracked("ConfigMap", "old"))
    state = run(port, request([obj("ConfigMap", "cfg")], SyncSettings(wave_delay=0, prune=prune)))
    assert state.phase == "Succeeded"
    assert (port.find("ConfigMap", "old") is None) is prune
    old = next(r for r in state.results.values() if r.name == "old")
    assert old.result == ("Pruned" if prune else "PruneSkipped")


def test_prune_respects_prune_false_and_foreign_objects() -> None:
    port = FakePort()
    port.put(tracked("ConfigMap", "keep", sync_options="Prune=false"))
    foreign = tracked("ConfigMap", "theirs")
    foreign["metadata"]["annotations"]["gitsync.io/tracking-id"] = "other:/ConfigMap:default/theirs"
    port.put(foreign)
    state = run(port, request([obj("ConfigMap", "cfg")], SyncSettings(wave_delay=0, prune=True)))
    assert state.phase == "Succeeded"
    assert port.find("ConfigMap", "keep") is not None
    assert port.find("ConfigMap", "theirs") is not None
    assert not any(w[0].startswith("delete") for w in port.writes)


def test_empty_render_never_prunes_without_allow_empty() -> None:
    port = FakePort()
    assert run(port, request([obj("ConfigMap", "old")])).phase == "Succeeded"
    state = run(port, request([], SyncSettings(wave_delay=0, prune=True)))
    assert state.phase == "Failed" and "allowEmpty" in state.message
    assert port.find("ConfigMap", "old") is not None
    state = run(port, request([], SyncSettings(wave_delay=0, prune=True, allow_empty=True)))
    assert state.phase == "Succeeded"
    assert port.find("ConfigMap", "old") is None


def test_prune_confirm_waits_for_approval() -> None:
    port = FakePort()
    port.put(tracked("ConfigMap", "old", sync_options="Prune=confirm"))
    req = request([obj("ConfigMap", "cfg")], SyncSettings(wave_delay=0, prune=True))
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(req)
    for _ in range(3):
        state = runner.step(req, state)
    assert state.phase == "Running" and "pruning confirmation" in state.message
    port.find("ConfigMap", "old")["metadata"]["annotations"][
        "argocd.argoproj.io/deletion-approved"
    ] = "true"
    while not state.terminal:
        state = runner.step(req, state)
    assert state.phase == "Succeeded"
    assert port.find("ConfigMap", "old") is None


def test_resume_from_persisted_state_does_not_rerun_finished_hooks() -> None:
    port = FakePort()
    port.job_gets = 2
    docs = [
        obj("Job", "pre", hook="PreSync"),
        obj("Deployment", "web"),
        obj("Job", "post", hook="PostSync"),
    ]
    req = request(docs)
    first = SyncRunner(port, OperationStore(port))
    state = first.begin(req)
    while "post" not in {r.name for r in state.results.values()}:
        state = first.step(req, state)
    assert state.phase == "Running"
    # a new process: new runner and store, state loaded from the cluster
    second = SyncRunner(port, OperationStore(port), poll_interval=0, sleep=lambda _: None)
    final = second.run(req, timeout=10)
    assert final.phase == "Succeeded"
    assert final.started_at == state.started_at
    creates = [w for w in port.resource_writes() if w[0] == "apply"]
    assert [w[1] for w in creates] == [
        "Job/default/pre",
        "Deployment/default/web",
        "Job/default/post",
    ]


def test_new_revision_starts_a_new_operation() -> None:
    port = FakePort()
    docs = [obj("ConfigMap", "cfg")]
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(request(docs))
    moved = SyncRequest(
        app="shop",
        manifests=[Manifest.from_object(d) for d in docs],
        revision="def5678",
        settings=FAST,
    )
    other = SyncRunner(port, OperationStore(port)).begin(moved)
    assert other.revision == "def5678" and other.results == {} and state.revision == "abc1234"


def test_failed_operation_is_retried_with_backoff() -> None:
    port = FakePort()
    port.reject["Deployment/web"] = "boom"
    clock = [1000.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds
        if len(sleeps) == 1:
            port.reject.clear()  # fixed before the retry

    settings = SyncSettings(wave_delay=0, retry=RetryPolicy(limit=2, duration=5, factor=2))
    runner = SyncRunner(
        port, OperationStore(port), poll_interval=0.1, clock=lambda: clock[0], sleep=sleep
    )
    state = runner.run(request([obj("Deployment", "web")], settings), timeout=60)
    assert state.phase == "Succeeded", state.message
    assert state.retry_count == 1
    assert sleeps[0] == pytest.approx(5.0)


def test_create_namespace_and_replace_options() -> None:
    port = FakePort()
    opts = SyncOptions.parse(["CreateNamespace=true", "Replace=true"])
    req = SyncRequest(
        app="shop",
        manifests=[Manifest.from_object(dict(obj("ConfigMap", "c"), data={"k": "v"}))],
        dest_namespace="fresh",
        sync_options=opts,
        settings=FAST,
    )
    state = run(port, req)
    assert state.phase == "Succeeded", state.message
    assert port.resource_writes() == [
        ("create", "Namespace/fresh"),
        ("create", "ConfigMap/fresh/c"),
    ]
    port.find("ConfigMap", "c")["data"] = {"k": "drifted"}
    port.writes.clear()
    run(port, req)
    assert port.resource_writes() == [("replace", "ConfigMap/fresh/c")]
