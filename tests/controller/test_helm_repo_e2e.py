"""An Application whose source is a chart from a Helm repository, with `gitsync serve` as
a subprocess: synced at the best version for its constraint, then at the next one the
repository publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitsync.render import helm_available
from gitsync.sim import SimCluster
from tests.controller.harness import Env
from tests.gitrepo import GitRepo
from tests.helmrepo import serve_chart_repo

pytestmark = pytest.mark.skipif(
    not helm_available(), reason="rendering needs helm-python-sdk (gitsync[helm]) or helm"
)


def test_chart_from_a_helm_repository_follows_its_constraint(tmp_path: Path) -> None:
    with (
        SimCluster(controllers=True, ready_delay=0.0, port=0) as sim,
        serve_chart_repo(tmp_path / "charts") as charts,
    ):
        charts.add("web", "1.0.0")
        charts.add("web", "2.0.0-rc.1")  # a pre-release: `1.*` never picks it
        app = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "shop"},
            "spec": {
                "project": "default",
                "source": {
                    "repoURL": charts.url,
                    "chart": "web",
                    "targetRevision": "1.*",
                    "helm": {"valuesObject": {"greeting": "hello"}},
                },
                "destination": {"server": sim.url, "namespace": "default"},
                "syncPolicy": {"automated": {"prune": True}},
            },
        }
        repo = GitRepo.create(tmp_path / "repo", files={"root/shop.yaml": yaml.safe_dump(app)})
        env = Env(tmp_path, [sim], repo)
        try:
            env.start()
            first = env.wait_apps(
                lambda a: "shop" in a and a["shop"]["history"] and a["shop"]["health"] == "Healthy",
                timeout=40,
                what="the chart synced",
            )["shop"]
            assert (first["chart"], first["revision"], first["sync_status"]) == (
                "web",
                "1.0.0",
                "Synced",
            )
            live = sim.get_object("v1", "ConfigMap", "default", "shop-web")
            assert live is not None
            assert live["data"] == {"greeting": "hello", "replicas": "1", "chart": "1.0.0"}

            charts.add("web", "1.1.0")
            env.wait_apps(
                lambda a: a["shop"]["revision"] == "1.1.0" and len(a["shop"]["history"]) == 2,
                timeout=30,
                what="the new chart version synced",
            )
            live = sim.get_object("v1", "ConfigMap", "default", "shop-web")
            assert live is not None and live["data"]["chart"] == "1.1.0"
            assert charts.count("/web-2.0.0-rc.1.tgz") == 0
        finally:
            if env.proc is not None:
                env.stop()
