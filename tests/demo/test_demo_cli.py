"""`gitsync demo` run as a person runs it: a real subprocess, two embedded clusters."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

APPS = [
    f"{service}-{cluster}"
    for cluster in ("staging", "production")
    for service in ("orders-db", "orders", "billing", "web")
]


@pytest.fixture(scope="module")
def demo() -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "gitsync", "demo", "--no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return result, time.monotonic() - started


def _section(output: str, heading: str) -> str:
    start = output.index(f"== {heading}")
    end = output.find("\n== ", start + 1)
    return output[start : end if end != -1 else len(output)]


def test_it_finishes_quickly_and_cleanly(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    result, seconds = demo
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert seconds < 60
    assert "Traceback" not in result.stdout + result.stderr
    assert "\x1b[" not in result.stdout  # --no-color


def test_it_names_every_generated_application(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    output = demo[0].stdout
    generated = _section(output, "ApplicationSet services")
    assert "generated 8 Applications" in generated
    for app in APPS:
        assert app in generated
        assert f"== sync {app} " in output


def test_orders_shows_presync_migration_then_database_then_server(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    section = _section(demo[0].stdout, "sync orders-staging ")
    lines = section.splitlines()

    def where(pattern: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(pattern, line))

    migrated = where(r"PreSync\s+wave\s+0\s+hook Job/orders/orders-db-migrate\s+Succeeded")
    database = where(r"Sync\s+wave -1\s+StatefulSet/orders/orders-db\s+Synced")
    server = where(r"Sync\s+wave\s+0\s+Deployment/orders/orders\s+Synced")
    assert migrated < database < server
    assert "=> Succeeded  health Healthy" in section


def test_blue_green_update_tests_the_preview_then_promotes(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    output = demo[0].stdout
    flow = output[output.index("== A new web image") :]
    assert "note:" not in flow, flow
    section = _section(flow, "sync web-staging ")
    lines = section.splitlines()

    def where(pattern: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(pattern, line))

    paused = where(r"live Rollout/web/web is Progressing: .*BlueGreenPause")
    tested = where(r"PostSync\s+wave\s+0\s+hook Job/web/integration-test\s+Succeeded")
    promoted = where(r"PostSync\s+wave\s+1\s+hook Job/web/promote-web\s+Succeeded")
    assert paused < tested < promoted
    assert "=> Succeeded  health Healthy" in section


def test_it_ends_with_every_app_healthy_and_next_steps(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    output = demo[0].stdout
    table = _section(output, "Health at the end")
    for app in APPS:
        (row,) = [line for line in table.splitlines() if line.split()[:1] == [app]]
        healthy = re.search(r"Succeeded\s+Healthy$", row)
        paused = app.startswith("web-") and re.search(r"Progressing: .*paused", row)
        assert healthy or paused, row
    next_steps = _section(output, "Where to look next")
    for command in ("gitsync diff", "gitsync sync", "gitsync dev-cluster"):
        assert command in next_steps


def test_keep_serves_the_clusters_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gitsync", "demo", "--keep", "--no-color"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        kubeconfigs: list[str] = []
        deadline = time.monotonic() + 90
        for line in process.stdout:
            found = re.search(r"kubectl --kubeconfig (\S+)", line)
            if found:
                kubeconfigs.append(found.group(1))
            if len(kubeconfigs) == 2 or time.monotonic() > deadline:
                break
        assert len(kubeconfigs) == 2
        from gitsync.kube import Cluster

        with Cluster.from_kubeconfig(kubeconfigs[0]) as cluster:
            rollout = cluster.get("argoproj.io/v1alpha1", "Rollout", "web", "web")
        assert rollout["metadata"]["name"] == "web"
        process.terminate()
        rest, errors = process.communicate(timeout=30)
        assert "stopping the clusters" in rest
        assert "Traceback" not in errors
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
