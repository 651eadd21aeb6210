"""Progressive sync with `gitsync serve` as a subprocess: an ApplicationSet with a
RollingSync strategy of two steps, the second with `maxUpdate: 50%`, updates its apps
step by step and two at a time, on the first sync and after a commit touching them all."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import Env
from tests.controller.test_ordering_e2e import ReadyTimes
from tests.gitrepo import GitRepo

DEV = ["dev-a", "dev-b"]
PROD = ["prod-c", "prod-d", "prod-e", "prod-f"]
UNSELECTED = "qa-x"
READY_AFTER = "1.0"  # long enough that a loaded machine still starts a batch together


def _deployment(name: str, image: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "annotations": {"sim.gitsync.io/ready-after": READY_AFTER}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "main", "image": image}]},
                },
            },
        }
    )


def _appset(repo_url: str, server: str) -> dict[str, Any]:
    def step(env: str, **extra: Any) -> dict[str, Any]:
        return {"matchExpressions": [{"key": "env", "operator": "In", "values": [env]}], **extra}

    elements = [{"name": n, "env": n.split("-")[0]} for n in [*DEV, *PROD, UNSELECTED]]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "shop"},
        "spec": {
            "generators": [{"list": {"elements": elements}}],
            "strategy": {
                "type": "RollingSync",
                "rollingSync": {"steps": [step("dev"), step("prod", maxUpdate="50%")]},
            },
            "template": {
                "metadata": {"name": "{{name}}", "labels": {"env": "{{env}}"}},
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": repo_url,
                        "targetRevision": "HEAD",
                        "path": "apps/{{name}}",
                    },
                    "destination": {"server": server, "namespace": "default"},
                    # RollingSync turns this off and starts the syncs itself
                    "syncPolicy": {"automated": {"prune": True}},
                },
            },
        },
    }


def _workloads(image: str) -> dict[str, str]:
    return {
        f"apps/{name}/deploy.yaml": _deployment(f"d-{name}", image)
        for name in [*DEV, *PROD, UNSELECTED]
    }


def _first_writes(sim: SimCluster, since: float) -> dict[str, float]:
    first: dict[str, float] = {}
    for record in sim.requests:
        if record.is_write and not record.dry_run and record.time >= since:
            key = record.key or ""
            if key.startswith("Deployment/default/d-"):
                first.setdefault(key.removeprefix("Deployment/default/d-"), record.time)
    return first


def _assert_steps_and_batches(
    sim: SimCluster, ready: ReadyTimes, since: float, generation: int
) -> None:
    started = _first_writes(sim, since)
    assert UNSELECTED not in started, "an app no step selects is synced by hand only"
    done = {n: ready.times[(f"d-{n}", generation)] for n in [*DEV, *PROD]}
    # step 2 starts only once every app of step 1 is Healthy
    assert min(started[n] for n in PROD) > max(done[n] for n in DEV)
    # both apps of step 1 go together (maxUpdate defaults to 100%)
    assert max(started[n] for n in DEV) < min(done[n] for n in DEV)
    # step 2: two at a time, in name order
    order = sorted(PROD, key=lambda n: started[n])
    assert set(order[:2]) == {"prod-c", "prod-d"}
    assert max(started[n] for n in order[:2]) < min(done[n] for n in order[:2])
    for name in PROD:
        in_flight = [o for o in PROD if started[o] <= started[name] < done[o]]
        assert len(in_flight) <= 2, (name, in_flight)
    assert started[order[2]] > min(done[n] for n in order[:2])


def test_rolling_sync_two_steps_half_at_a_time(tmp_path: Path) -> None:
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as sim:
        ready = ReadyTimes()
        sim.store.listeners.append(ready)
        repo = GitRepo.create(tmp_path / "repo", files={"README.md": "x\n"})
        since = time.monotonic()
        repo.commit(
            files={
                "root/shop.yaml": yaml.safe_dump(_appset(repo.url, sim.url)),
                **_workloads("web:1"),
            }
        )
        env = Env(tmp_path, [sim], repo, extra_args=["--concurrency", "4"])
        try:
            env.start()
            selected = [*DEV, *PROD]

            def settled(generation: int) -> Any:
                return lambda apps: all(
                    n in apps
                    and len(apps[n]["history"]) == generation
                    and apps[n]["sync_status"] == "Synced"
                    and apps[n]["health"] == "Healthy"
                    for n in selected
                )

            apps = env.wait_apps(settled(1), timeout=60, what="the first rollout")
            _assert_steps_and_batches(sim, ready, since, 1)
            assert {n: apps[n]["rolling_sync"]["step"] for n in selected} == {
                **dict.fromkeys(DEV, 1),
                **dict.fromkeys(PROD, 2),
            }
            assert all(apps[n]["rolling_sync"]["status"] == "Healthy" for n in selected)
            manual = apps[UNSELECTED]
            assert manual["history"] == [] and manual["sync_status"] == "OutOfSync"
            assert manual["rolling_sync"]["step"] is None
            assert "selected by no RollingSync step" in manual["rolling_sync"]["message"]

            since = time.monotonic()
            repo.commit(files=_workloads("web:2"))
            env.wait_apps(settled(2), timeout=60, what="the rollout of the new commit")
            _assert_steps_and_batches(sim, ready, since, 2)

            shown = env.cli("app", "get", "prod-e")
            assert "rolling sync: step 2, Healthy" in shown.stdout

            status = env.cli("appset", "status", "shop")
            rows = [line.split(None, 5) for line in status.stdout.splitlines()]
            assert rows[0] == ["STEP", "NAME", "SYNC", "HEALTH", "STATUS", "MESSAGE"]
            assert [(r[0], r[1]) for r in rows[1:]] == [
                *(("1", n) for n in DEV),
                *(("2", n) for n in PROD),
                ("-", UNSELECTED),
            ]
            assert all(r[4] == "Healthy" for r in rows[1:-1])
            named = env.cli("appset", "status", "shop", "-o", "name").stdout.split()
            assert named == [*DEV, *PROD, UNSELECTED]
            as_yaml = yaml.safe_load(env.cli("appset", "status", "shop", "-o", "yaml").stdout)
            assert [a["name"] for a in as_yaml] == named
            unknown = env.cli("appset", "status", "nope", check=False)
            assert unknown.returncode != 0
            assert unknown.stderr.strip().splitlines() == [
                f"error: no Applications of ApplicationSet 'nope' on {env.url}"
            ]
        finally:
            if env.proc is not None:
                env.stop()
