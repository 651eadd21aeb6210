"""Injected API failures during `gitsync sync` (subprocess against the embedded API
server): transient ones are retried, persistent ones fail the sync naming the resource."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from tests.sync.e2e import app_writes, configmap, deployment, sync_json, write_app


def bystander(sim: SimCluster) -> None:
    """An object outside the plan, in the same namespace, that must stay untouched."""
    body = deployment("bystander")
    body["metadata"]["namespace"] = "default"
    sim.apply(body, field_manager="kubectl")


@pytest.mark.parametrize("status", [503, 409, 500])
def test_transient_errors_on_apply_are_retried(
    sim: SimCluster, tmp_path: Path, status: int
) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web")])
    rule = sim.faults.add(method="PATCH", kind="Deployment", status=status, times=2)
    code, report = sync_json(sim, app)
    assert code == 0, report
    assert rule.fired == 2
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is not None


def test_persistent_failure_fails_the_sync_naming_the_resource(
    sim: SimCluster, tmp_path: Path
) -> None:
    bystander(sim)
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web")])
    sim.faults.add(method="PATCH", kind="Deployment", status=503)
    sim.reset_requests()
    code, report = sync_json(sim, app)
    assert code == 1, report
    assert report["phase"] == "Failed"
    assert all(r.key != "Deployment/default/bystander" for r in sim.requests)
    assert "Deployment/default/web" in report["message"]
    # the pre-flight dry run caught it: nothing was written at all
    assert app_writes(sim) == []


def test_failure_at_apply_time_stops_the_sync_and_touches_nothing_else(
    sim: SimCluster, tmp_path: Path
) -> None:
    bystander(sim)
    app = write_app(
        tmp_path / "shop",
        [configmap("settings"), deployment("web", wave=1), configmap("late", ann=_wave(2))],
    )
    sim.reset_requests()
    armed = threading.Event()

    def arm_after_first_wave(event: WatchEvent) -> None:
        # Fail only the real writes: the pre-flight dry run has passed by then. The store
        # calls this as it commits the write, before the client hears back, so the fault
        # is in place before the next wave can start.
        if event.kind == "ConfigMap" and event.name == "settings" and not armed.is_set():
            sim.faults.add(method="PATCH", kind="Deployment", status=500)
            armed.set()

    sim.store.listeners.append(arm_after_first_wave)
    code, report = sync_json(sim, app)
    assert armed.is_set()
    assert code == 1, report
    assert report["message"].count("Deployment/default/web") == 1, report["message"]
    web = next(r for r in report["resources"] if r["name"] == "web")
    assert web["result"] == "SyncFailed"
    writes = app_writes(sim)
    assert {r.key for r in writes} == {"ConfigMap/default/settings", "Deployment/default/web"}
    assert {r.key for r in writes if r.status < 400} == {"ConfigMap/default/settings"}
    assert sim.get_object("v1", "ConfigMap", "default", "late") is None
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None


def _wave(n: int) -> dict[str, str]:
    return {"argocd.argoproj.io/sync-wave": str(n)}


def test_operation_retry_outlasts_a_longer_outage(sim: SimCluster, tmp_path: Path) -> None:
    """More failures in a row than one request retries: the operation's retry policy
    (``--retry-limit``) starts the sync again and it succeeds."""
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web", wave=1)])
    rule = sim.faults.add(method="PATCH", kind="Deployment", status=503, times=6)
    code, report = sync_json(
        sim, app, "--retry-limit", "2", "--retry-backoff", "0s", "--preflight-retries", "0"
    )
    assert code == 0, report
    assert rule.fired == 6
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is not None


def test_without_operation_retry_the_same_outage_fails(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web", wave=1)])
    sim.faults.add(method="PATCH", kind="Deployment", status=503, times=6)
    code, report = sync_json(sim, app, "--preflight-retries", "0")
    assert code == 1, report
    assert "HTTP 503" in report["message"]


@pytest.mark.parametrize(
    "fault",
    [{"status": 409}, {"status": 429}, {"status": 500}, {"status": 503}, {"reset": True}],
    ids=["409", "429", "500", "503", "reset"],
)
def test_a_transient_outage_on_the_preflight_is_retried_in_the_same_sync(
    sim: SimCluster, tmp_path: Path, fault: dict[str, object]
) -> None:
    """Longer than one request's own retries (4 attempts): the pre-flight itself is run
    again after a backoff, and the sync succeeds without a retry policy."""
    app = write_app(tmp_path / "shop", [configmap("settings"), deployment("web")])
    rule = sim.faults.add(method="PATCH", kind="Deployment", times=6, **fault)  # type: ignore[arg-type]
    code, report = sync_json(sim, app)
    assert code == 0, report
    assert rule.fired == 6
    live = sim.get_object("apps/v1", "Deployment", "default", "web")
    assert live is not None
