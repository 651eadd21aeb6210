"""A chart from a real OCI registry with basic auth: rendered by `gitsync render
--application FILE` (credentials from the environment) and synced by `gitsync serve`
(credentials from a Helm repository Secret with ``enableOCI``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.render import helm_available
from gitsync.sim import SimCluster
from tests.controller.harness import Env
from tests.gitrepo import GitRepo
from tests.helmrepo import chart_archive
from tests.ociregistry import run_registry

pytestmark = pytest.mark.skipif(
    not helm_available(), reason="rendering needs helm-python-sdk (gitsync[helm]) or helm"
)
SECRET = ("chart-reader", "Oci-Pa55-5581")


def _app(repo_url: str, server: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "shop"},
        "spec": {
            "project": "default",
            "source": {
                "repoURL": repo_url,
                "chart": "web",
                "targetRevision": "1.*",
                "helm": {"valuesObject": {"greeting": "from-oci"}},
            },
            "destination": {"server": server, "namespace": "default"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }


def test_cli_renders_an_oci_chart(tmp_path: Path) -> None:
    with run_registry(tmp_path / "registry", auth=SECRET) as registry:
        registry.push_chart("charts/web", "1.4.0", chart_archive("web", "1.4.0"))
        app_file = tmp_path / "app.yaml"
        app_file.write_text(yaml.safe_dump(_app(f"oci://{registry.host}/charts", "https://k")))
        creds = tmp_path / "helm-credentials"
        creds.write_text(f"http://{SECRET[0]}:{SECRET[1]}@127.0.0.1\n")
        command = [sys.executable, "-m", "gitsync", "render", "--application", str(app_file)]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "GITSYNC_HELM_CREDENTIALS_FILE": str(creds)},
        )
        assert done.returncode == 0, done.stderr
        rendered = list(yaml.safe_load_all(done.stdout))
        assert rendered[0]["metadata"]["name"] == "shop-web"
        assert rendered[0]["data"] == {"greeting": "from-oci", "replicas": "1", "chart": "1.4.0"}
        refused = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}
        )
        assert refused.returncode == 2
        assert refused.stderr.startswith("error: ") and "needs credentials" in refused.stderr


def test_serve_syncs_an_oci_chart_with_a_helm_repository_secret(tmp_path: Path) -> None:
    with (
        SimCluster(controllers=True, ready_delay=0.0, port=0) as sim,
        run_registry(tmp_path / "registry", auth=SECRET) as registry,
    ):
        registry.push_chart("charts/web", "1.0.0", chart_archive("web", "1.0.0"))
        # Argo CD's spelling of an OCI Helm repository: no scheme, enableOCI in the Secret
        app = _app(f"{registry.host}/charts", sim.url)
        root = GitRepo.create(tmp_path / "root", files={"root/shop.yaml": yaml.safe_dump(app)})
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gitsync"}})
        sim.create(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": "oci-charts",
                    "namespace": "gitsync",
                    "labels": {"argocd.argoproj.io/secret-type": "repository"},
                },
                "stringData": {
                    "url": f"{registry.host}/charts",
                    "type": "helm",
                    "enableOCI": "true",
                    "username": SECRET[0],
                    "password": SECRET[1],
                },
            }
        )
        env = Env(tmp_path, [sim], root)
        try:
            env.start()
            first = env.wait_apps(
                lambda a: "shop" in a and a["shop"]["health"] == "Healthy",
                timeout=60,
                what="the OCI chart synced",
            )["shop"]
            assert (first["revision"], first["sync_status"]) == ("1.0.0", "Synced")
            live = sim.get_object("v1", "ConfigMap", "default", "shop-web")
            assert live is not None and live["data"]["greeting"] == "from-oci"

            registry.push_chart("charts/web", "1.1.0", chart_archive("web", "1.1.0"))
            env.wait_apps(
                lambda a: a["shop"]["revision"] == "1.1.0" and len(a["shop"]["history"]) == 2,
                timeout=40,
                what="the new chart version synced",
            )
            api_text = json.dumps(env.apps())
        finally:
            if env.proc is not None:
                env.stop()
        assert SECRET[1] not in env.logs() and SECRET[1] not in api_text
