"""`gitsync demo` run as a person runs it: a real subprocess, two embedded clusters and
the controller of `gitsync serve`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

WAVES = {"orders-db": 0, "orders": 1, "billing": 1, "web": 2}
APPS = {
    f"{service}-{env}": wave for service, wave in WAVES.items() for env in ("staging", "production")
}
ENV = {**os.environ, "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def demo() -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "gitsync", "demo", "--no-color"],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )
    return result, time.monotonic() - started


def _section(output: str, heading: str) -> str:
    start = output.index(f"== {heading}")
    end = output.find("\n== ", start + 1)
    return output[start : end if end != -1 else len(output)]


def _where(lines: list[str], pattern: str) -> int:
    found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
    assert found, f"no line matches {pattern!r} in:\n" + "\n".join(lines)
    return found[0]


def test_it_finishes_by_itself_quickly_and_cleanly(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    result, seconds = demo
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert seconds < 40
    assert "Traceback" not in result.stdout + result.stderr
    assert "note:" not in result.stdout  # nothing was skipped or stopped waiting
    assert "\x1b[" not in result.stdout  # --no-color


def test_the_matrix_appset_generates_every_app_with_its_wave(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    generated = _section(demo[0].stdout, "ApplicationSet services")
    assert "matrix" in generated and "8 Applications" in generated
    for app, wave in APPS.items():
        (row,) = [line.split() for line in generated.splitlines() if line.split()[:1] == [app]]
        assert row[1] == str(wave), row


def test_the_controller_brings_the_apps_up_in_wave_order(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    output = demo[0].stdout
    assert "gitsync serve --repo" in _section(output, "The controller of `gitsync serve`")
    lines = _section(output, "The apps come up in dependency order").splitlines()
    started = {
        app: _where(lines, rf"{app}\s+wave\s+{wave}\s+sync started") for app, wave in APPS.items()
    }
    healthy = {
        app: _where(lines, rf"{app}\s+wave\s+{wave}\s+Synced and Healthy")
        for app, wave in APPS.items()
    }
    for app, wave in APPS.items():
        assert started[app] < healthy[app]
        for other, other_wave in APPS.items():
            if other_wave < wave:
                # a higher wave starts only once every lower wave is Synced and Healthy
                assert healthy[other] < started[app], (other, app)
    # the later waves said what they waited for before they started
    for app, wave in APPS.items():
        if wave > 0:
            assert _where(lines, rf"{app}\s+wave\s+\d\s+waits for wave \d app ") < started[app]
    assert "all 8 apps Synced and Healthy" in lines[-1]


def test_each_sync_shows_its_phases_waves_and_hooks_in_order(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    section = _section(demo[0].stdout, "Inside each sync")
    blocks = re.split(r"\n   (?=[a-z])", section)
    by_app = {block.split()[0].rstrip(":"): block.splitlines() for block in blocks[1:]}
    orders = by_app["orders-staging"]
    migrated = _where(orders, r"PreSync\s+wave\s+0\s+hook Job/orders/orders-db-migrate\s+Succeeded")
    settings = _where(orders, r"Sync\s+wave -1\s+ConfigMap/orders/orders-settings\s+Synced")
    server = _where(orders, r"Sync\s+wave\s+0\s+Deployment/orders/orders\s+Synced")
    assert migrated < settings < server
    database = by_app["orders-db-staging"]
    assert (
        _where(database, r"wave -1\s+ConfigMap/orders-db/orders-db-config")
        < _where(database, r"wave\s+0\s+StatefulSet/orders-db/orders-db\s+Synced")
        < _where(database, r"wave\s+1\s+CronJob/orders-db/orders-db-backup")
    )
    web = by_app["web-staging"]
    assert (
        _where(web, r"Sync\s+wave\s+0\s+Rollout/web/web\s+Synced ")
        < _where(web, r"PostSync wave\s+0\s+hook Job/web/integration-test\s+Succeeded")
        < _where(web, r"PostSync wave\s+1\s+hook Job/web/promote-web\s+Succeeded")
    )
    assert re.search(r"orders-production: the same \d+ steps", section)
    # one wave and no hooks: stored only at its end, its resources read from the status
    billing = by_app["billing-staging"]
    assert "stored only at its end" in billing[0]
    _where(billing, r"Sync\s+wave\s+0\s+Deployment/billing/billing\s+Synced")


def _table_rows(table: str) -> dict[str, str]:
    return {
        line.split()[0]: line
        for line in table.splitlines()
        if line.split()[:1] in ([a] for a in APPS)
    }


def test_health_per_app_including_the_rollout(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    output = demo[0].stdout
    for heading, image in (
        ("Health, as the controller", "web:1.0.0"),
        ("Health at the end", "web:1.1.0"),
    ):
        table = _section(output, heading)
        rows = _table_rows(table)
        assert set(rows) == set(APPS)
        for row in rows.values():
            assert re.search(r"Synced\s+Succeeded\s+[0-9a-f]{7}\s+Healthy$", row), row
        rollouts = [line for line in table.splitlines() if "Rollout/web/web" in line]
        assert len(rollouts) == 2
        assert all(re.search(rf"Healthy; stable/active {image} 2/2$", r) for r in rollouts)


def test_a_pushed_image_goes_through_the_gated_blue_green_update(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    section = _section(demo[0].stdout, "A new web image")
    assert re.search(
        r"POST http://127\.0\.0\.1:\d+/api/webhook \(GitHub push\): \d+ refreshes", section
    )
    lines = section.splitlines()
    started = _where(lines, r"web-staging\s+wave\s+2\s+sync started")
    paused = _where(
        lines,
        r"web-staging\s+live Rollout/web/web Progressing: Rollout is paused \(BlueGreenPause\).*"
        r"active web:1\.0\.0 2/2, preview web:1\.1\.0 2/2",
    )
    tested = _where(
        lines, r"web-staging\s+PostSync wave\s+0\s+hook Job/web/integration-test\s+Succeeded"
    )
    promoting = _where(
        lines, r"web-staging\s+PostSync wave\s+1\s+hook Job/web/promote-web\s+Running"
    )
    promoted = _where(
        lines, r"web-staging\s+live Rollout/web/web Healthy; stable/active web:1\.1\.0"
    )
    finished = _where(lines, r"web-staging\s+wave\s+2\s+sync Succeeded")
    assert started < paused < tested < promoting < promoted < finished
    for app in ("web-staging", "web-production"):
        (summary,) = [line for line in lines if line.strip().startswith(f"{app}: ")]
        assert "missing" not in summary, summary
        assert "paused, preview ready" in summary and "Rollout Healthy on the new image" in summary


def test_it_ends_with_where_to_look_next(
    demo: tuple[subprocess.CompletedProcess[str], float],
) -> None:
    next_steps = _section(demo[0].stdout, "Where to look next")
    for command in (
        "gitsync demo --keep",
        "gitsync app get web-staging --server http://",
        "/api/v1/applications",
    ):
        assert command in next_steps


def test_keep_leaves_the_controller_and_the_clusters_running_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gitsync", "demo", "--keep", "--no-color"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert process.stdout is not None
        kubeconfigs: list[str] = []
        server = ""
        deadline = time.monotonic() + 60
        for line in process.stdout:
            found = re.search(r"kubectl --kubeconfig (\S+)", line)
            if found:
                kubeconfigs.append(found.group(1))
            page = re.search(r"status page\s+(http://\S+)/$", line)
            if page:
                server = page.group(1)
            if len(kubeconfigs) == 2 or time.monotonic() > deadline:
                break
        assert len(kubeconfigs) == 2 and server
        shown = subprocess.run(
            [sys.executable, "-m", "gitsync", "app", "get", "web-staging", "--server", server],
            capture_output=True,
            text=True,
            timeout=30,
            env=ENV,
        )
        assert shown.returncode == 0, shown.stderr
        assert re.search(r"web-staging\s+Synced\s+Healthy", shown.stdout)
        assert re.search(r"Rollout/web/web\s+Synced\s+Healthy", shown.stdout)
        with urllib.request.urlopen(f"{server}/api/v1/applications", timeout=10) as response:
            items = json.loads(response.read())["items"]
        assert {i["name"]: (i["sync_status"], i["health"]) for i in items} == {
            app: ("Synced", "Healthy") for app in APPS
        }
        from gitsync.kube import Cluster

        with Cluster.from_kubeconfig(kubeconfigs[1]) as cluster:
            rollout = cluster.get("argoproj.io/v1alpha1", "Rollout", "web", "web")
        assert rollout is not None
        image = rollout["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.endswith("web:1.1.0")
        process.terminate()
        rest, errors = process.communicate(timeout=30)
        assert "stopping the controller and the clusters" in rest
        assert "Traceback" not in errors
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
