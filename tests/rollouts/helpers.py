"""Reading Rollouts, ReplicaSets and Services from the embedded cluster in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gitsync.health import assess
from gitsync.sim import SimCluster
from tests.sim.waiting import wait_for

Obj = dict[str, Any]
HASH = "rollouts-pod-template-hash"


def rollout(sim: SimCluster, name: str = "web") -> Obj:
    found = sim.get_object("argoproj.io/v1alpha1", "Rollout", "default", name)
    assert found is not None
    return found


def status(sim: SimCluster, name: str = "web") -> Obj:
    return dict(rollout(sim, name).get("status") or {})


def health(sim: SimCluster, name: str = "web") -> tuple[str, str]:
    found = assess(rollout(sim, name))
    assert found is not None
    return str(found.status), found.message


def wait_health(sim: SimCluster, wanted: str, name: str = "web", timeout: float = 5.0) -> str:
    """Wait until the Rollout's health is `wanted`; returns the health message."""
    return wait_for(
        lambda: health(sim, name)[1] or "-" if health(sim, name)[0] == wanted else None, timeout
    )


def selector_hash(sim: SimCluster, service: str) -> str | None:
    svc = sim.get_object("v1", "Service", "default", service)
    assert svc is not None
    return (svc["spec"].get("selector") or {}).get(HASH)


def replica_sets(sim: SimCluster) -> dict[str, Obj]:
    return {
        rs["metadata"]["labels"][HASH]: rs
        for rs in sim.list_objects("apps/v1", "ReplicaSet", "default")
        if HASH in (rs["metadata"].get("labels") or {})
    }


def gitsync_cli(sim: SimCluster, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *map(str, args), "--kubeconfig", str(sim.kubeconfig)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
