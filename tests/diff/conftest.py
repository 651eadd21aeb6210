"""End-to-end set-up: a `Cluster` on the embedded API server, app directories, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.diff.live import with_tracking
from gitsync.health import assess
from gitsync.kube import Cluster
from gitsync.model.enums import HealthStatus
from tests.waiting import wait_for

NAMESPACE = "shop"
APP = "shop"


@pytest.fixture
def cluster(sim: Any) -> Iterator[Cluster]:
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=0) as connected:
        connected.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        yield connected


def deployment(image: str = "nginx:1.25", replicas: int | None = None) -> dict[str, Any]:
    """A Deployment as people write it: no server defaults, no namespace."""
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": spec,
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def config_map(name: str = "settings", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": data or {"color": "blue"},
    }


def pre_sync_hook() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "m", "image": "migrate:1"}],
                }
            }
        },
    }


def in_namespace(obj: dict[str, Any], namespace: str = NAMESPACE) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}


def make_live(cluster: Cluster, *objects: dict[str, Any], app: str = APP) -> None:
    """What a sync would have done: apply each object, tracked, as gitsync's manager; then
    wait until the emulator's controllers are done with it (a Deployment's status settles),
    so that its resourceVersion no longer moves under a test that counts dry-runs."""
    for obj in objects:
        applied = cluster.apply(with_tracking(in_namespace(obj), app))
        wait_for(lambda a=applied: _settled(cluster, a), what=f"{obj['kind']} settled")


def _settled(cluster: Cluster, applied: dict[str, Any]) -> bool:
    meta = applied["metadata"]
    live = cluster.get(applied["apiVersion"], applied["kind"], meta.get("namespace"), meta["name"])
    health = assess(live) if live else None
    return live is not None and (health is None or health.status is HealthStatus.HEALTHY)


def write_app(directory: Path, *objects: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = yaml.dump_all(list(objects), Dumper=yaml.CSafeDumper, sort_keys=False)
    (directory / "manifests.yaml").write_text(text)
    return directory


def run_diff(
    sim: Any, app_dir: Path | str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`gitsync diff` as a user runs it (a subprocess, bytes captured)."""
    command = [sys.executable, "-m", "gitsync", "diff", str(app_dir)]
    command += ["--kubeconfig", str(sim.kubeconfig), "--dest-namespace", NAMESPACE, *args]
    environment = {**os.environ, **(env or {})}
    return subprocess.run(command, capture_output=True, timeout=60, check=False, env=environment)
