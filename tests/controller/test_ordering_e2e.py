"""Ordering between Applications with `gitsync serve` as a subprocess: sync waves of
generated apps, a depends-on chain across ApplicationSets, and a reported cycle."""

from __future__ import annotations

import threading
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent
from tests.controller.harness import Env
from tests.gitrepo import GitRepo

WAVES = [("m1", "-1"), ("w0", "0"), ("w1", "1"), ("w2", "2")]


def _deployment(name: str, image: str = "nginx:1.25") -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "annotations": {"sim.gitsync.io/ready-after": "0.3"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": name, "image": image}]},
                },
            },
        }
    )


def _spec(repo_url: str, server: str, path: str) -> dict[str, Any]:
    return {
        "project": "default",
        "source": {"repoURL": repo_url, "targetRevision": "HEAD", "path": path},
        "destination": {"server": server, "namespace": "default"},
        "syncPolicy": {"automated": {"prune": True}},
    }


def _list_appset(
    name: str, repo_url: str, server: str, elements: list[dict[str, str]], annotations: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name},
        "spec": {
            "generators": [{"list": {"elements": elements}}],
            "template": {
                "metadata": {"name": f"{name}-{{{{name}}}}", "annotations": annotations},
                "spec": _spec(repo_url, server, "deploy/{{name}}"),
            },
        },
    }


def _application(name: str, repo_url: str, server: str, depends_on: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "annotations": {"gitsync.io/depends-on": depends_on}},
        "spec": _spec(repo_url, server, f"deploy/{name}"),
    }


def _files(repo_url: str, server: str) -> dict[str, str]:
    waves = _list_appset(
        "wave",
        repo_url,
        server,
        [{"name": n, "wave": w} for n, w in WAVES],
        {"argocd.argoproj.io/sync-wave": "{{wave}}"},
    )
    late = _list_appset(
        "late", repo_url, server, [{"name": "x"}], {"gitsync.io/depends-on": "wave-w2"}
    )
    cycle = [
        _application("cyc-a", repo_url, server, "cyc-b"),
        _application("cyc-b", repo_url, server, "cyc-a"),
    ]
    files = {
        "root/waves.yaml": yaml.safe_dump(waves),
        "root/late.yaml": yaml.safe_dump(late),
        "root/cycle.yaml": yaml.safe_dump_all(cycle),
    }
    for name in [n for n, _ in WAVES] + ["x", "cyc-a", "cyc-b"]:
        files[f"deploy/{name}/deploy.yaml"] = _deployment(f"d-{name}")
    return files


class ReadyTimes:
    """When each generation of each Deployment first reported a ready replica, on the
    test's clock (the sim runs in this process)."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: WatchEvent) -> None:
        if event.kind != "Deployment" or event.type == "DELETED":
            return
        status = event.obj.get("status") or {}
        generation = int(event.obj["metadata"].get("generation", 1))
        if status.get("readyReplicas", 0) >= 1 and status.get("observedGeneration") == generation:
            with self._lock:
                self.times.setdefault((event.name, generation), time.monotonic())


def _first_write(sim: SimCluster, deployment: str, since: float = 0.0) -> float:
    times = [
        r.time
        for r in sim.requests
        if r.is_write and r.time >= since and r.key == f"Deployment/default/{deployment}"
    ]
    assert times, f"no write of {deployment}"
    return min(times)


def test_waves_dependencies_and_cycles_between_apps(tmp_path: Path) -> None:
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        ready = ReadyTimes()
        sim.store.listeners.append(ready)
        repo = GitRepo.create(tmp_path / "repo", files={"README.md": "x\n"})
        repo.commit(files=_files(repo.url, sim.url))
        env = Env(tmp_path, [sim], repo)
        try:
            env.start()
            ordered = [f"wave-{n}" for n, _ in WAVES] + ["late-x"]
            apps = env.wait_apps(
                lambda a: all(
                    n in a and a[n]["sync_status"] == "Synced" and a[n]["health"] == "Healthy"
                    for n in ordered
                ),
                timeout=40,
                what="ordered apps synced and healthy",
            )
            assert [apps[n]["wave"] for n in ordered] == [-1, 0, 1, 2, 0]
            assert apps["late-x"]["depends_on"] == ["wave-w2"]
            # Each app's first write comes after the app before it became ready.
            deployments = [f"d-{n}" for n, _ in WAVES] + ["d-x"]
            for before, after in pairwise(deployments):
                assert _first_write(sim, after) > ready.times[(before, 1)], (before, after)

            cycle = {
                "cyc-a": "dependency cycle: cyc-a -> cyc-b -> cyc-a",
                "cyc-b": "dependency cycle: cyc-b -> cyc-a -> cyc-b",
            }
            for name, message in cycle.items():
                assert apps[name]["waiting_for"] == message
                assert apps[name]["sync_status"] == "OutOfSync"
                assert apps[name]["history"] == []
            # A manual request waits behind the same gate.
            requested = env.cli("app", "sync", "cyc-a")
            assert "queued" in requested.stdout
            env.wait_reconciles("cyc-a", times=2)
            assert env.apps()["cyc-a"]["waiting_for"] == cycle["cyc-a"]
            assert env.apps()["cyc-a"]["history"] == []
            deploys = [r.key for r in sim.requests if r.is_write and r.kind == "Deployment"]
            assert not [k for k in deploys if "d-cyc-" in (k or "")]

            listed = env.cli("app", "list")
            rows = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
            assert "  -1" in rows["wave-m1"]
            assert "0 <- wave-w2" in rows["late-x"]
            assert rows["cyc-a"].split(None, 4)[4].split() == [
                "0",
                "<-",
                "cyc-b",
                *cycle["cyc-a"].split(),
            ]

            # One commit changes two waves: the later one still waits for the earlier one,
            # not for its status from the previous revision.
            since = time.monotonic()
            new = "nginx:1.26"
            repo.commit(
                files={
                    "deploy/m1/deploy.yaml": _deployment("d-m1", new),
                    "deploy/w0/deploy.yaml": _deployment("d-w0", new),
                }
            )
            env.wait_apps(
                lambda a: all(
                    len(a[n]["history"]) == 2
                    and a[n]["sync_status"] == "Synced"
                    and a[n]["health"] == "Healthy"
                    for n in ("wave-m1", "wave-w0")
                ),
                timeout=20,
                what="both changed waves synced again",
            )
            assert _first_write(sim, "d-w0", since) > ready.times[("d-m1", 2)]
        finally:
            if env.proc is not None:
                env.stop()
