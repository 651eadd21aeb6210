"""`gitsync serve` against hostile names from Git: an Application with an invalid name is
refused and the others keep being served; an app whose manifests hold an invalid object
fails with ComparisonError before any request about it; secrets never reach the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import configmap, deployment, environment

BITBUCKET_UUID = "{d1e2a3d4-beef-4cafe-9abc-0123456789ab}"
GITLAB_SECRET = "gitlab-s3cret-value"
TRAVERSAL = "../../../namespaces/kube-system/secrets/victim"


def _hostile_hook() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": TRAVERSAL,
                "annotations": {
                    "argocd.argoproj.io/hook": "PreSync",
                    "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                },
            },
        }
    )


def _bad_application() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "<script>alert(1)</script>"},
            "spec": {
                "source": {"repoURL": "https://example.com/x.git", "path": "x"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
            },
        }
    )


def _victim(sim: SimCluster) -> None:
    sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "victim", "namespace": "kube-system"},
            "stringData": {"password": "hunter2"},
        }
    )


FILES = {
    "apps/web/deploy.yaml": deployment("web"),
    "apps/evil/cm.yaml": configmap("settings", "one"),
    "apps/evil/hook.yaml": _hostile_hook(),
    "root/bad-app.yaml": _bad_application(),
}


def test_hostile_names_are_refused_and_the_other_apps_served(tmp_path: Path) -> None:
    args = ["--bitbucket-uuid", BITBUCKET_UUID, "--gitlab-secret", GITLAB_SECRET]
    with environment(tmp_path, FILES, start=False, args=args) as env:
        for sim in env.sims:
            _victim(sim)
        env.start()

        def settled(apps: dict[str, dict[str, Any]]) -> bool:
            web = [apps.get(n) or {} for n in ("web-c1", "web-c2")]
            evil = [apps.get(n) or {} for n in ("evil-c1", "evil-c2")]
            return all(a.get("sync_status") == "Synced" for a in web) and all(
                any(c.startswith("ComparisonError") for c in a.get("conditions") or [])
                for a in evil
            )

        apps = env.wait_apps(settled, timeout=40, what="web synced, evil refused")
        assert set(apps) == {"web-c1", "web-c2", "evil-c1", "evil-c2"}
        assert "DNS-1123 subdomain" in apps["evil-c1"]["message"]
        logs = env.logs()
        assert "document refused" in logs and "root/bad-app.yaml" in logs
        assert '"bitbucket_uuid": "<set>"' in logs
        assert '"gitlab_secret": "<set>"' in logs
        assert BITBUCKET_UUID not in logs and GITLAB_SECRET not in logs
        for sim in env.sims:
            assert sim.get_object("v1", "Secret", "kube-system", "victim") is not None
            assert sim.get_object("v1", "ConfigMap", "evil", "settings") is None
            hits = [r.path for r in sim.requests if "victim" in r.path or r.name == "victim"]
            assert hits == []
