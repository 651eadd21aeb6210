"""Every benchmark runs end to end at a tiny size, so the scripts keep working."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import (
    fleet,
    health,
    jq_paths,
    poll,
    preflight,
    render_child,
    render_diff,
    slow_clients,
    steady_state,
    sync_one_app,
    webhook_latency,
)


def test_render_diff(tmp_path: Path) -> None:
    results = render_diff.run(3, 5, tmp_path)
    assert results.value("objects") == 15
    assert results.value("objects Synced") == 15
    assert results.value("documents parsed by PyYAML") == 15
    assert results.report(tmp_path / "out").is_file()


def test_render_child(tmp_path: Path) -> None:
    results = render_child.run(2, tmp_path)
    assert results.value("Jsonnet: wall per render (median)") > 0


def test_poll(tmp_path: Path) -> None:
    results = poll.run(3, 5, 3, tmp_path)
    assert results.value("Git round trips per no-change poll") == 1


def test_sync_one_app(tmp_path: Path) -> None:
    results = sync_one_app.run(6, 0.0, tmp_path)
    assert results.value("[fast] ConfigMaps in cluster after sync") > 0
    if shutil.which(sync_one_app.KUBECTL) is None:
        pytest.skip("kubectl is not installed: only the gitsync half ran")
    assert results.value("[fast] kubectl apply --server-side requests") > 0


def test_steady_state(tmp_path: Path) -> None:
    results = steady_state.run(3, 5, 2, tmp_path)
    assert results.value("apps synced (Succeeded)") == 3
    assert results.value("apps Synced / OutOfSync") == "3 / 0"
    assert results.value("API requests in the pass (server log)") == 0


def test_webhook_latency() -> None:
    results = webhook_latency.run(apps=3, rounds=2, settle_timeout=60, interval=0.1)
    assert results.value("webhook -> first apply, max") > 0


def test_health(tmp_path: Path) -> None:
    results = health.run(40, 5, tmp_path)
    assert results.value("lua (Certificate), per object") > 0
    assert results.value("all 40 objects") > 0


def test_fleet() -> None:
    results = fleet.run(apps=3, latency_ms=0.0, qps=50.0, burst=100, timeout=120)
    assert results.value("all Synced+Healthy, wall") > 0
    # Each app applies its four objects at least once.
    assert results.value("writes per app") >= 4


def test_preflight() -> None:
    results = preflight.run(apps=3, latency_ms=0.0, qps=0.0, burst=100)
    assert results.value("objects") == 12
    assert results.value("[server] broken objects found") == 1
    assert results.value("[schema] broken objects found") == 1
    assert results.value("[schema] writes left to a server dry run") == 0


def test_jq_paths() -> None:
    results = jq_paths.run(4)
    assert results.value("paths found") == 4 * 4  # replicas, one image, two annotations
    assert not any(row["metric"].startswith("MISMATCH") for row in results.rows)


def test_slow_clients() -> None:
    results = slow_clients.run([3], rounds=3, pace=0.0)
    assert results.value("3 slow heads: /healthz max") > 0
