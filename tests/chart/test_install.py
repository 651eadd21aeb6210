"""Install the rendered chart into the embedded API server with `gitsync sync` (subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.sim import SimCluster
from tests.chart.chartrender import NAMESPACE, REPO, ROOT, needs_helm, render_chart

pytestmark = needs_helm


@pytest.fixture
def sim() -> Iterator[SimCluster]:
    with SimCluster() as cluster:
        yield cluster


def install(sim: SimCluster, objects: list[dict[str, Any]], directory: Path) -> dict[str, Any]:
    directory.mkdir()
    (directory / "chart.yaml").write_text(
        yaml.dump_all(objects, Dumper=yaml.CSafeDumper, sort_keys=False)
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitsync",
            "sync",
            str(directory),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--app-name",
            "gitsync",
            "--dest-namespace",
            NAMESPACE,
            "--sync-option",
            "CreateNamespace=true",
            "--wave-delay",
            "0s",
            "--timeout",
            "60s",
            "-o",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    state: dict[str, Any] = json.loads(done.stdout)
    return state


def phase(state: dict[str, Any]) -> str:
    found = state.get("phase") or state.get("operationState", {}).get("phase")
    return str(found)


def test_install_cluster_wide(sim: SimCluster, tmp_path: Path) -> None:
    state = install(sim, render_chart({"config": {"repo": REPO}}), tmp_path / "out")
    assert phase(state) == "Succeeded", state
    deployment = sim.get_object("apps/v1", "Deployment", NAMESPACE, "gitsync")
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "gitsync"
    for api_version, kind in [
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("v1", "ConfigMap"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ]:
        name = "gitsync-self" if kind.startswith("Role") else "gitsync"
        assert sim.get_object(api_version, kind, NAMESPACE, name) is not None, kind
    for kind in ("ClusterRole", "ClusterRoleBinding"):
        assert sim.get_object("rbac.authorization.k8s.io/v1", kind, None, "gitsync") is not None


def test_install_namespaced(sim: SimCluster, tmp_path: Path) -> None:
    for name in ("team-a", "team-b"):
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    values = {
        "config": {"repo": REPO},
        "rbac": {"mode": "namespaced", "namespaces": ["team-a", "team-b"]},
    }
    state = install(sim, render_chart(values), tmp_path / "out")
    assert phase(state) == "Succeeded", state
    for name in ("team-a", "team-b"):
        binding = sim.get_object("rbac.authorization.k8s.io/v1", "RoleBinding", name, "gitsync")
        assert binding is not None
        assert binding["subjects"][0]["namespace"] == NAMESPACE
    assert sim.get_object("rbac.authorization.k8s.io/v1", "ClusterRole", None, "gitsync") is None
