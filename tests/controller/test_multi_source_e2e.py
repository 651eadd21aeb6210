"""An Application with several sources, with `gitsync serve` as a subprocess: a Helm chart
whose value file comes from another source (`$values/...`), plus a plain directory; a
change to the value file alone resyncs it; two sources rendering one object is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.render import helm_available
from gitsync.sim import SimCluster
from tests.controller.harness import Env, configmap
from tests.gitrepo import GitRepo

pytestmark = pytest.mark.skipif(
    not helm_available(), reason="rendering needs helm-python-sdk (gitsync[helm]) or helm"
)

TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-greeting
data:
  greeting: {{ .Values.greeting | quote }}
"""


def _app(name: str, repo_url: str, server: str, sources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "sources": [{"repoURL": repo_url, "targetRevision": "HEAD", **s} for s in sources],
            "destination": {"server": server, "namespace": "default"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }


def test_sources_are_rendered_together(tmp_path: Path) -> None:
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        repo = GitRepo.create(tmp_path / "repo", files={"README.md": "x\n"})
        shop = _app(
            "shop",
            repo.url,
            sim.url,
            [
                {"path": "charts/web", "helm": {"valueFiles": ["$values/envs/prod.yaml"]}},
                {"path": "apps/extra"},
                {"ref": "values"},
            ],
        )
        twice = _app("twice", repo.url, sim.url, [{"path": "apps/extra"}, {"path": "apps/copy"}])
        repo.commit(
            files={
                "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
                "charts/web/values.yaml": "greeting: default\n",
                "charts/web/templates/cm.yaml": TEMPLATE,
                "envs/prod.yaml": "greeting: hello\n",
                "apps/extra/cm.yaml": configmap("extra", "one"),
                "apps/copy/cm.yaml": configmap("extra", "two"),
                "root/apps.yaml": yaml.safe_dump_all([shop, twice]),
            }
        )
        env = Env(tmp_path, [sim], repo)
        try:
            env.start()
            apps = env.wait_apps(
                lambda a: "shop" in a and a["shop"]["history"] and a["shop"]["health"] == "Healthy",
                timeout=40,
                what="the multi-source app synced",
            )
            assert apps["shop"]["revision"] == ",".join([repo.head] * 3)
            greeting = sim.get_object("v1", "ConfigMap", "default", "shop-greeting")
            assert greeting is not None and greeting["data"] == {"greeting": "hello"}
            extra = sim.get_object("v1", "ConfigMap", "default", "extra")
            assert extra is not None and extra["metadata"]["labels"]["gitsync.io/app"] == "shop"

            twice_status = apps["twice"]
            assert twice_status["sync_status"] == "Unknown"
            assert "ConfigMap/default/extra is rendered by two sources" in twice_status["message"]
            assert twice_status["history"] == []

            repo.commit(files={"envs/prod.yaml": "greeting: bye\n"})
            env.wait_apps(
                lambda a: len(a["shop"]["history"]) == 2 and a["shop"]["sync_status"] == "Synced",
                timeout=30,
                what="the value file change synced",
            )
            greeting = sim.get_object("v1", "ConfigMap", "default", "shop-greeting")
            assert greeting is not None and greeting["data"] == {"greeting": "bye"}
        finally:
            if env.proc is not None:
                env.stop()
