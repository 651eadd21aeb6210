"""Real kubectl against the embedded API server: `kubectl get` prints the columns a real
server's Table gives (deployments, pods, Argo Rollouts), and `-o yaml` the full object."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from gitsync.sim import SimCluster

from .waiting import wait_for

KUBECTL = Path("/usr/bin/kubectl")
Kubectl = Callable[..., str]
pytestmark = pytest.mark.skipif(
    not KUBECTL.exists(), reason="kubectl is not installed at /usr/bin/kubectl"
)

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: default}
spec:
  containers: [{name: a, image: "busybox:1.36"}, {name: b, image: "busybox:1.36"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: shop, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: shop, image: "shop:1"}]
  strategy:
    canary:
      steps: [{setWeight: 50}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {mode: fast}
"""


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    home = tmp_path_factory.mktemp("kubectl-home")
    with SimCluster(ready_delay=0.0) as sim:
        sim.install_argo_rollouts_crds()
        env = {**os.environ, "KUBECONFIG": str(sim.kubeconfig), "HOME": str(home)}

        def run(*args: str) -> str:
            done = subprocess.run(
                [str(KUBECTL), *args], env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        manifests = home / "app.yaml"
        manifests.write_text(MANIFESTS)
        run("apply", "--server-side", "-f", str(manifests))
        wait_for(lambda: _ready(sim), timeout=10)
        yield run


def _ready(sim: SimCluster) -> bool:
    deploy = sim.get_object("apps/v1", "Deployment", "default", "web") or {}
    rollout = sim.get_object("argoproj.io/v1alpha1", "Rollout", "default", "shop") or {}
    pod = sim.get_object("v1", "Pod", "default", "worker") or {}
    return (
        (deploy.get("status") or {}).get("availableReplicas") == 2
        and (rollout.get("status") or {}).get("availableReplicas") == 3
        and (pod.get("status") or {}).get("phase") == "Running"
    )


def table(output: str) -> list[list[str]]:
    """kubectl's columns, split on runs of two or more spaces (headers have single ones)."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


AGE = re.compile(r"^\d+s$")


def test_get_deployments(kubectl: Kubectl) -> None:
    header, row = table(kubectl("get", "deployments"))
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row[:4] == ["web", "2/2", "2", "2"] and AGE.match(row[4])


def test_get_pods(kubectl: Kubectl) -> None:
    header, row = table(kubectl("get", "pods"))
    assert header == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row[:4] == ["worker", "2/2", "Running", "0"] and AGE.match(row[4])
    wide_header, _ = table(kubectl("get", "pods", "-o", "wide"))
    assert wide_header[5:7] == ["IP", "NODE"]


def test_get_rollouts(kubectl: Kubectl) -> None:
    header, row = table(kubectl("get", "rollouts"))
    assert header == ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row[:5] == ["shop", "3", "3", "3", "3"] and AGE.match(row[5])


def test_get_single_configmap_as_yaml_is_the_full_object(kubectl: Kubectl) -> None:
    header, row = table(kubectl("get", "cm", "settings"))
    assert header == ["NAME", "DATA", "AGE"] and row[:2] == ["settings", "1"]
    obj = yaml.safe_load(kubectl("get", "cm", "settings", "-o", "yaml"))
    assert obj["kind"] == "ConfigMap" and obj["data"] == {"mode": "fast"}
    assert obj["metadata"]["uid"]


def test_watch_prints_one_header_and_full_rows(kubectl: Kubectl, tmp_path: Path) -> None:
    # kubectl get -w: the first list and every later event come as Tables; the column
    # definitions only in the first, so kubectl prints one header and full rows
    server = yaml.safe_load(kubectl("config", "view", "--minify", "-o", "yaml"))
    env = {
        **os.environ,
        "KUBECONFIG": os.environ.get("KUBECONFIG", ""),
        "HOME": str(tmp_path),
    }
    url = server["clusters"][0]["cluster"]["server"]
    args = [str(KUBECTL), "--server", url, "--insecure-skip-tls-verify", "get", "cm", "-w"]
    watcher = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout is not None
        lines = [watcher.stdout.readline()]  # header
        lines.append(watcher.stdout.readline())  # the existing ConfigMap
        later = tmp_path / "later.yaml"
        later.write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later, namespace: default}\n"
            "data: {a: '1', b: '2'}\n"
        )
        kubectl("apply", "--server-side", "-f", str(later))
        lines.append(watcher.stdout.readline())
    finally:
        watcher.kill()
        watcher.wait(10)
    rows = table("".join(lines))
    assert rows[0] == ["NAME", "DATA", "AGE"]
    assert [r[:2] for r in rows[1:]] == [["settings", "1"], ["later", "2"]]
