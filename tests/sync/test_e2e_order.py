"""A multi-wave sync with hooks against the embedded API server, through `gitsync sync`
as a subprocess: the order of writes, and no wave before the previous one is healthy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitsync.health import assess
from gitsync.model.enums import HealthStatus
from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from tests.sync.e2e import app_writes, deployment, job, service, sync_cli, write_app, write_keys

READY_AFTER = "sim.gitsync.io/ready-after"


def shop(folder: Path) -> Path:
    return write_app(
        folder,
        [
            job("post", "PostSync"),
            deployment("frontend", wave=2),
            job("late", "Sync", wave=3),
            job("mid", "Sync", wave=1),
            service("backend", wave=0),
            deployment("backend", wave=0, ann={READY_AFTER: "0.3"}),
            job("pre", "PreSync"),
        ],
    )


def events(sim: SimCluster) -> list[WatchEvent]:
    found, _ = sim.hub.wait(0, 0)
    return found


def first_rv(found: list[WatchEvent], kind: str, name: str, *, healthy: bool = False) -> int:
    """The resourceVersion of the first event of Kind/default/name (that is Healthy)."""
    for event in found:
        if (event.kind, event.namespace, event.name) != (kind, "default", name):
            continue
        if not healthy:
            return event.rv
        health = assess(event.obj)
        if health is not None and health.status is HealthStatus.HEALTHY:
            return event.rv
    raise AssertionError(f"no {'healthy ' if healthy else ''}event for {kind}/{name}")


def test_phases_and_waves_write_in_order(sim: SimCluster, tmp_path: Path) -> None:
    done = sync_cli(sim, shop(tmp_path / "shop"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert write_keys(app_writes(sim)) == [
        "Job/default/pre",
        "Service/default/backend",
        "Deployment/default/backend",
        "Job/default/mid",
        "Deployment/default/frontend",
        "Job/default/late",
        "Job/default/post",
    ]


def test_no_wave_starts_before_the_previous_one_is_healthy(sim: SimCluster, tmp_path: Path) -> None:
    done = sync_cli(sim, shop(tmp_path / "shop"))
    assert done.returncode == 0, done.stdout + done.stderr
    found = events(sim)
    # Every object's first appearance comes after the previous step became Healthy,
    # judged on resourceVersions the emulator assigned (one total order of changes).
    steps: list[tuple[tuple[str, str], list[tuple[str, str]]]] = [
        (("Job", "pre"), [("Service", "backend"), ("Deployment", "backend")]),
        (("Deployment", "backend"), [("Job", "mid")]),
        (("Job", "mid"), [("Deployment", "frontend")]),
        (("Deployment", "frontend"), [("Job", "late")]),
        (("Job", "late"), [("Job", "post")]),
    ]
    for (kind, name), following in steps:
        ready = first_rv(found, kind, name, healthy=True)
        for next_kind, next_name in following:
            created = first_rv(found, next_kind, next_name)
            assert created > ready, f"{next_kind}/{next_name} written before {kind}/{name} ready"


def test_backend_was_live_healthy_when_the_wave_one_hook_was_written(
    sim: SimCluster, tmp_path: Path
) -> None:
    """The same property measured on the clock: the hook's first request came later than
    the backend's ready-after delay, and the backend took that long to get ready."""
    done = sync_cli(sim, shop(tmp_path / "shop"))
    assert done.returncode == 0, done.stdout + done.stderr
    writes = app_writes(sim)
    backend = next(r for r in writes if r.key == "Deployment/default/backend")
    hook = next(r for r in writes if r.key == "Job/default/mid")
    assert hook.time - backend.time >= 0.3
    live: dict[str, Any] | None = sim.get_object("apps/v1", "Deployment", "default", "backend")
    assert live is not None and live["status"].get("availableReplicas") == 1
