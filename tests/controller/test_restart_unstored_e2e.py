"""An automated sync without hooks is not stored while it runs: killed half-way, the
restarted controller starts the same sync again and ends where the first would have,
with one history entry and no object made twice."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import all_synced_healthy, environment, wait_for

SLOW_READY = "20s"  # wave 0 turns healthy this long after it is created


def _slow_deployment() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {"sim.gitsync.io/ready-after": SLOW_READY}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
                },
            },
        }
    )


def _after_wave_zero() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "after", "annotations": {"argocd.argoproj.io/sync-wave": "1"}},
            "data": {"v": "1"},
        }
    )


def _stored(sim: SimCluster) -> list[dict[str, Any]]:
    return list(sim.list_objects("v1", "ConfigMap", "gitsync"))


def test_killed_mid_sync_the_restarted_controller_syncs_again(tmp_path: Path) -> None:
    files = {"apps/web/deploy.yaml": _slow_deployment(), "apps/web/after.yaml": _after_wave_zero()}
    with environment(tmp_path, files) as env:
        sim = env.sims[0]
        wait_for(
            lambda: sim.get_object("apps/v1", "Deployment", "web", "web") is not None,
            what="wave 0 applied",
        )
        assert env.stop(signal.SIGKILL) == -signal.SIGKILL
        first = sim.get_object("apps/v1", "Deployment", "web", "web")
        assert first is not None
        # The sync was waiting for wave 0 to turn healthy, and nothing of it was stored:
        # no operation state, no status saying it runs.
        assert sim.get_object("v1", "ConfigMap", "web", "after") is None
        stored = _stored(sim)
        names = [s["metadata"]["name"] for s in stored]
        assert [n for n in names if n.startswith("gitsync-op-")] == []
        assert all('"Running"' not in (s.get("data") or {}).get("status.json", "") for s in stored)

        env.start()
        apps = env.wait_apps(all_synced_healthy({"web-c1", "web-c2"}), timeout=90)
        for name in ("web-c1", "web-c2"):
            assert [h["phase"] for h in apps[name]["history"]] == ["Succeeded"], apps[name]
        after = sim.get_object("apps/v1", "Deployment", "web", "web")
        assert after is not None and after["metadata"]["uid"] == first["metadata"]["uid"]
        creates = [
            r
            for r in sim.requests
            if r.is_write and r.kind == "ConfigMap" and r.name == "after" and r.status == 201
        ]
        assert len(creates) == 1
