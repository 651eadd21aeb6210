"""Namespace-scoped mode against the emulator's RBAC: `gitsync serve --watch-namespaces
a,b` with a ServiceAccount token whose Roles reach only namespaces a, b and its own
syncs apps into a and b, refuses apps aimed elsewhere or at cluster-scoped kinds, and
never lists or watches across the cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import Env
from tests.gitrepo import GitRepo

IN_CLUSTER = "https://kubernetes.default.svc"
CONTROLLER = "system:serviceaccount:gitsync:gitsync"


def _app(name: str, namespace: str, path: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name},
            "spec": {
                "project": "default",
                "source": {"repoURL": "", "path": path},
                "destination": {"server": IN_CLUSTER, "namespace": namespace},
                "syncPolicy": {"automated": {"prune": True}},
            },
        }
    )


def _rbac() -> list[dict[str, Any]]:
    group = "rbac.authorization.k8s.io"
    subject = [{"kind": "ServiceAccount", "name": "gitsync", "namespace": "gitsync"}]
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": f"{group}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "gitsync-apps"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
        },
        {
            "apiVersion": f"{group}/v1",
            "kind": "Role",
            "metadata": {"name": "gitsync-state", "namespace": "gitsync"},
            "rules": [
                {
                    "apiGroups": ["", "coordination.k8s.io"],
                    "resources": ["configmaps", "secrets", "leases", "events"],
                    "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
                }
            ],
        },
        {
            "apiVersion": f"{group}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "gitsync-state", "namespace": "gitsync"},
            "roleRef": {"apiGroup": group, "kind": "Role", "name": "gitsync-state"},
            "subjects": subject,
        },
    ]
    for namespace in ("a", "b"):
        objects.append(
            {
                "apiVersion": f"{group}/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "gitsync-apps", "namespace": namespace},
                "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": "gitsync-apps"},
                "subjects": subject,
            }
        )
    return objects


def test_namespace_scoped_controller_under_rbac(tmp_path: Path) -> None:
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {v: '1'}\n"
    cluster_role = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata: {name: too-wide}\nrules: []\n"
    )
    root = GitRepo.create(tmp_path / "root", files={"README.md": "x\n"})
    files = {
        "manifests/cm.yaml": configmap,
        "wide/role.yaml": cluster_role,
        "root/in-a.yaml": _app("in-a", "a", "manifests"),
        "root/in-b.yaml": _app("in-b", "b", "manifests"),
        "root/in-c.yaml": _app("in-c", "c", "manifests"),
        "root/wide.yaml": _app("wide", "a", "wide"),
    }
    for name in [n for n in files if n.startswith("root/")]:
        files[name] = files[name].replace("repoURL: ''", f"repoURL: {root.url}")
    root.commit(files=files)
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        for namespace in ("a", "b", "c", "gitsync"):
            sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        for obj in _rbac():
            sim.create(obj)
        sim.enable_rbac()
        token = sim.service_account_token("gitsync", "gitsync")
        kubeconfig = sim.write_kubeconfig(tmp_path / "sa-kubeconfig", token=token)
        (tmp_path / "no-clusters.yaml").write_text("[]\n")
        sim.reset_requests()
        env = Env(
            tmp_path,
            [sim],
            root,
            extra_args=[
                "--kubeconfig",
                str(kubeconfig),
                "--clusters",
                str(tmp_path / "no-clusters.yaml"),
            ],
            env={"GITSYNC_WATCH_NAMESPACES": "b,a"},
        )
        try:
            env.start()
            apps = env.wait_apps(
                lambda a: (
                    all(
                        a.get(n, {}).get("sync_status") == "Synced" and a[n]["health"] == "Healthy"
                        for n in ("in-a", "in-b")
                    )
                    and all(a.get(n, {}).get("conditions") for n in ("in-c", "wide"))
                ),
                timeout=60,
                what="a and b synced, c and the cluster-scoped app refused",
            )
        finally:
            if env.proc is not None:
                env.stop()
        assert apps["in-c"]["conditions"][0] == (
            "ComparisonError: destination namespace 'c' is not watched (--watch-namespaces a, b)"
        )
        assert apps["wide"]["conditions"][0] == (
            "ComparisonError: ClusterRole/too-wide is cluster-scoped: not managed when "
            "watching only namespaces a, b"
        )
        for namespace in ("a", "b"):
            live = sim.get_object("v1", "ConfigMap", namespace, "settings")
            assert live is not None and live["data"] == {"v": "1"}
        assert sim.get_object("v1", "ConfigMap", "c", "settings") is None
        assert sim.get_object("rbac.authorization.k8s.io/v1", "ClusterRole", "", "too-wide") is None

        mine = [r for r in sim.requests if r.user == CONTROLLER]
        reads = [r for r in mine if r.verb in ("list", "watch") and r.kind is not None]
        assert reads, "the controller made no list or watch at all"
        assert [r.path for r in reads if r.namespace is None] == []  # nothing cluster-wide
        assert {r.namespace for r in reads} <= {"a", "b", "gitsync"}
        assert {r.namespace for r in reads if r.verb == "watch"} == {"a", "b"}
        assert [r.path for r in mine if r.status == 403 and r.verb != "get"] == []
        assert all(r.namespace != "c" for r in mine)
