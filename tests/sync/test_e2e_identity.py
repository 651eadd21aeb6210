"""Hostile object names end to end: `gitsync sync` as a subprocess against the embedded API
server refuses them before any request, and the kube layer escapes every path segment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitsync.errors import KubeError
from gitsync.kube import Cluster
from gitsync.sim import SimCluster
from tests.sync.e2e import DELETE_POLICY, HOOK, configmap, gitsync, sync_cli, write_app

TRAVERSAL = "../../../namespaces/kube-system/secrets/victim"


def victim(sim: SimCluster) -> None:
    sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "victim", "namespace": "kube-system"},
            "stringData": {"password": "hunter2"},
        }
    )


def hostile_hook() -> dict[str, Any]:
    return configmap(TRAVERSAL, ann={HOOK: "PreSync", DELETE_POLICY: "BeforeHookCreation"})


def reached_victim(sim: SimCluster) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in sim.requests
        if "victim" in r.path or "kube-system" in r.path or (r.name or "").endswith("victim")
    ]


def test_a_traversal_hook_name_fails_the_sync_before_any_request(
    sim: SimCluster, tmp_path: Path
) -> None:
    victim(sim)
    app = write_app(tmp_path / "shop", [configmap("settings"), hostile_hook()])
    sim.reset_requests()
    done = sync_cli(sim, app, "--prune")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "ConfigMap" in lines[0] and "victim" in lines[0]
    assert "metadata.name" in lines[0] and "DNS-1123 subdomain" in lines[0]
    assert "Traceback" not in done.stderr
    assert sim.get_object("v1", "Secret", "kube-system", "victim") is not None
    assert reached_victim(sim) == []
    assert sim.writes() == []  # the valid ConfigMap was not written either
    assert sim.get_object("v1", "ConfigMap", "default", "settings") is None


@pytest.mark.parametrize("command", ["plan", "diff"])
def test_plan_and_diff_refuse_the_same_object(
    sim: SimCluster, tmp_path: Path, command: str
) -> None:
    victim(sim)
    app = write_app(tmp_path / "shop", [hostile_hook()])
    extra = ["--kubeconfig", str(sim.kubeconfig)] if command == "diff" else []
    sim.reset_requests()
    done = gitsync(command, app, *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "DNS-1123 subdomain" in done.stderr
    assert reached_victim(sim) == []


def test_a_bad_destination_namespace_is_refused(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings")])
    done = sync_cli(sim, app, "--dest-namespace", "../kube-system")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "DNS-1123 label" in done.stderr
    assert sim.writes() == []


def test_the_kube_layer_escapes_names_it_is_given(sim: SimCluster) -> None:
    """The second guard: even a name that skipped validation cannot leave its segment."""
    victim(sim)
    sim.reset_requests()
    with Cluster.from_kubeconfig(str(sim.kubeconfig)) as cluster:
        assert cluster.delete("v1", "ConfigMap", "default", TRAVERSAL) is False
        assert cluster.get("v1", "ConfigMap", "default", "a?b#c") is None
        with pytest.raises(KubeError):
            cluster.delete("v1", "ConfigMap", "default", "..")
    assert sim.get_object("v1", "Secret", "kube-system", "victim") is not None
    paths = [r.path for r in sim.requests if r.method in ("DELETE", "GET") and r.kind]
    assert all("/namespaces/default/configmaps/" in p for p in paths), paths
    assert any(p.endswith("/configmaps/a%3Fb%23c") for p in paths), paths


def test_an_app_name_that_argo_cd_would_refuse_is_refused(sim: SimCluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / "shop", [configmap("settings")])
    done = sync_cli(sim, app, "--app-name", "<script>alert(1)</script>")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: --app-name: metadata.name '<script>")
    assert "DNS-1123 subdomain" in done.stderr
    assert sim.writes() == []
