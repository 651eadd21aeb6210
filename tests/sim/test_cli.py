"""`gitsync dev-cluster` as a real subprocess, driven by real kubectl."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

KUBECTL = Path("/usr/bin/kubectl")

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
"""


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitsync", "dev-cluster", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def dev_cluster(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, str]]:
    kubeconfig = tmp_path / "dev.kubeconfig"
    process = start(tmp_path, "--port", "0", "--kubeconfig", str(kubeconfig), "--ready-delay", "0")
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        yield process, kubeconfig, line
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serves_until_sigterm(dev_cluster: tuple[subprocess.Popen[str], Path, str]) -> None:
    process, kubeconfig, line = dev_cluster
    assert "listening on http://127.0.0.1:" in line
    assert f"export KUBECONFIG={kubeconfig}" in line
    assert kubeconfig.exists()
    process.send_signal(signal.SIGTERM)
    assert process.wait(10) == 0


def test_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = start(tmp_path, "--port", str(port))
        _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert err.strip().count("\n") == 0 and "cannot listen" in err


@pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl is not installed at /usr/bin/kubectl")
def test_kubectl_get_apply_delete(
    dev_cluster: tuple[subprocess.Popen[str], Path, str], tmp_path: Path
) -> None:
    _, kubeconfig, _ = dev_cluster
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}
    manifests = tmp_path / "app.yaml"
    manifests.write_text(MANIFESTS)

    def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), *args], env=env, capture_output=True, text=True, timeout=60
        )

    namespaces = kubectl("get", "ns")
    assert namespaces.returncode == 0, namespaces.stderr
    assert "default" in namespaces.stdout and "kube-system" in namespaces.stdout
    applied = kubectl("apply", "--server-side", "-f", str(manifests))
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/web serverside-applied" in applied.stdout
    assert "configmap/settings serverside-applied" in applied.stdout
    got = kubectl("get", "deploy", "web", "-o", "json", "--show-managed-fields")
    assert got.returncode == 0, got.stderr
    deploy = json.loads(got.stdout)
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["revisionHistoryLimit"] == 10
    assert {e["manager"] for e in deploy["metadata"]["managedFields"]} >= {"kubectl"}
    cm = json.loads(kubectl("get", "cm", "settings", "-o", "json").stdout)
    assert cm["data"] == {"mode": "fast"}
    deleted = kubectl("delete", "-f", str(manifests))
    assert deleted.returncode == 0, deleted.stderr
    assert 'deployment.apps "web" deleted' in deleted.stdout
    missing = kubectl("get", "deploy", "web")
    assert missing.returncode == 1 and "NotFound" in missing.stderr
    # Argo Rollouts kinds are served out of the box, so Rollout manifests apply as they are.
    rollouts = kubectl("get", "rollouts.argoproj.io", "-A")
    assert rollouts.returncode == 0, rollouts.stderr
