"""`gitsync serve` end to end: a real subprocess, two embedded API servers, a Git repo."""

from __future__ import annotations

from pathlib import Path

from tests.controller.harness import all_synced_healthy, configmap, deployment, environment

APPS = {"web-c1", "web-c2", "conf-c1", "conf-c2"}
FILES = {
    "apps/web/deploy.yaml": deployment("web"),
    "apps/conf/cm.yaml": configmap("settings", "one"),
}


def test_appset_apps_synced_and_healthy_on_both_clusters(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        apps = env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        for sim in env.sims:
            assert sim.get_object("apps/v1", "Deployment", "web", "web") is not None
            assert sim.get_object("v1", "ConfigMap", "conf", "settings") is not None
        assert all(a["history"] and a["history"][-1]["phase"] == "Succeeded" for a in apps.values())
        assert apps["web-c2"]["revision"] == env.repo.head
