"""An automated sync of one wave, without hooks, is not stored while it runs: killed
half-way, the restarted controller starts the same sync again and ends where the first
would have, with one history entry and no object made twice."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import all_synced_healthy, environment, wait_for

HELD = 20.0  # seconds the API server holds the Deployment's apply


def _deployment() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
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


def _config() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "config"},
            "data": {"v": "1"},
        }
    )


def _stored(sim: SimCluster) -> list[dict[str, Any]]:
    return list(sim.list_objects("v1", "ConfigMap", "gitsync"))


def test_killed_mid_sync_the_restarted_controller_syncs_again(tmp_path: Path) -> None:
    files = {"apps/web/deploy.yaml": _deployment(), "apps/web/config.yaml": _config()}
    with environment(tmp_path, files, start=False) as env:
        sim = env.sims[0]
        # ConfigMaps go before Deployments: the sync is caught between the two
        held = sim.faults.add(method="PATCH", kind="Deployment", name="web", latency=HELD)
        env.start()
        wait_for(lambda: held.fired > 0, what="the Deployment's apply in flight")
        assert sim.get_object("v1", "ConfigMap", "web", "config") is not None
        assert env.stop(signal.SIGKILL) == -signal.SIGKILL
        held.remove()
        first = sim.get_object("v1", "ConfigMap", "web", "config")
        assert first is not None
        # Nothing of the sync was stored: no operation state, no status saying it runs.
        stored = _stored(sim)
        names = [s["metadata"]["name"] for s in stored]
        assert [n for n in names if n.startswith("gitsync-op-web-c1")] == []
        assert all('"Running"' not in (s.get("data") or {}).get("status.json", "") for s in stored)

        env.start()
        apps = env.wait_apps(all_synced_healthy({"web-c1", "web-c2"}), timeout=90)
        for name in ("web-c1", "web-c2"):
            assert [h["phase"] for h in apps[name]["history"]] == ["Succeeded"], apps[name]
        # the same sync again: the ConfigMap left as it was, not made twice
        after = sim.get_object("v1", "ConfigMap", "web", "config")
        assert after is not None and after["metadata"]["uid"] == first["metadata"]["uid"]
        created = [
            r
            for r in sim.requests
            if r.is_write and r.kind == "ConfigMap" and r.name == "config" and r.status == 201
        ]
        assert len(created) == 1
