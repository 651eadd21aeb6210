"""The pre-flight of a cold sync of N apps x 4 objects (the fleet's Deployment, Service,
ConfigMap, ServiceAccount): a server dry run of every write against the schema
pre-flight (the cluster's OpenAPI schemas fetched once, checked in this process).

    python -m bench.preflight [--apps 100] [--latency-ms 15] [--qps 50] [--burst 100]

Both run against the embedded API server with latency on every request and the default
client limits. Figures: requests per object, wall time, CPU per app, and whether both
find the one broken object planted among them.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import yaml

from bench.common import Results, configmap, deployment, service, service_account, timer
from gitsync.errors import KubeError
from gitsync.kube import Cluster
from gitsync.model.annotations import SyncOptions
from gitsync.model.manifest import Manifest
from gitsync.sim import SimCluster
from gitsync.sync.plan import PlanSettings, build_plan
from gitsync.sync.schemapreflight import SchemaPreflight, facts_from_cluster
from gitsync.sync.task import Task

NAMESPACE = "bench"


def app_tasks(apps: int) -> list[list[Task]]:
    """The planned writes of each app; the last app's Deployment has a string replicas."""
    plans = []
    for number in range(apps):
        app = f"app-{number:04d}"
        texts = (
            deployment(app, NAMESPACE, app),
            service(app, NAMESPACE, app),
            configmap(app, NAMESPACE, app, number),
            service_account(app, NAMESPACE, app),
        )
        docs: list[dict[str, Any]] = [yaml.safe_load(text) for text in texts]
        if number == apps - 1:
            docs[0]["spec"]["replicas"] = "two"
        manifests = [Manifest.from_object(doc, f"{app}#{n}") for n, doc in enumerate(docs)]
        settings = PlanSettings(app=app, dest_namespace=NAMESPACE, sync_options=SyncOptions())
        plans.append(list(build_plan(manifests, settings).tasks))
    return plans


def _sim(latency_ms: float) -> SimCluster:
    sim = SimCluster(controllers=False).start()
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    if latency_ms:
        sim.faults.add(latency=latency_ms / 1000)
    sim.reset_requests()
    return sim


def server_preflight(
    plans: list[list[Task]], sim: SimCluster, qps: float, burst: int
) -> dict[str, Any]:
    failed = 0
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=qps, burst=burst) as cluster, timer() as spent:
        for tasks in plans:
            for task in tasks:
                try:
                    cluster.apply(task.obj, dry_run=True)
                except KubeError:
                    failed += 1
    return {"requests": sim.request_count, "failed": failed, **spent}


def schema_preflight(
    plans: list[list[Task]], sim: SimCluster, qps: float, burst: int
) -> dict[str, Any]:
    failed = dry_run = 0
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=qps, burst=burst) as cluster:
        with timer() as cold:
            preflight = SchemaPreflight(cluster, facts_from_cluster(cluster))
            first = preflight.for_plan(plans[0])
            verdicts = [first.check(task, None) for task in plans[0]]
        with timer() as warm:
            for tasks in plans[1:]:
                checks = preflight.for_plan(tasks)
                verdicts += [checks.check(task, None) for task in tasks]
    for verdict in verdicts:
        dry_run += verdict.dry_run
        failed += verdict.error is not None
    return {
        "requests": sim.request_count,
        "failed": failed,
        "dry_run": dry_run,
        "cold": cold,
        "warm": warm,
        "wall": cold["wall"] + warm["wall"],
    }


def run(apps: int, latency_ms: float, qps: float, burst: int) -> Results:
    results = Results("preflight", {"apps": apps, "objects_per_app": 4, "latency_ms": latency_ms,
                                    "qps": qps, "burst": burst})  # fmt: skip
    plans = app_tasks(apps)
    objects = sum(len(tasks) for tasks in plans)
    results.add("objects", objects)

    sim = _sim(latency_ms)
    try:
        server = server_preflight(plans, sim, qps, burst)
    finally:
        sim.stop()
    sim = _sim(latency_ms)
    try:
        schema = schema_preflight(plans, sim, qps, burst)
    finally:
        sim.stop()

    results.add("[server] requests per object", round(server["requests"] / objects, 3), "",
                "1 (one dry run each)")  # fmt: skip
    results.add("[server] wall", round(server["wall"], 2), "s")
    results.add("[server] CPU per app", round(server["cpu"] / apps * 1000, 2), "ms")
    results.add("[server] broken objects found", server["failed"], "", "1")
    results.add("[schema] requests per object", round(schema["requests"] / objects, 3), "",
                "~0: the 1.5/object budget goes to the write and bookkeeping")  # fmt: skip
    results.add("[schema] requests in all (facts, discovery, documents)", schema["requests"])
    results.add("[schema] writes left to a server dry run", schema["dry_run"], "", "0 here")
    results.add("[schema] wall", round(schema["wall"], 2), "s")
    results.add(
        "[schema] cold start (facts, documents, first app)", round(schema["cold"]["wall"], 3), "s"
    )
    warm_apps = max(apps - 1, 1)
    per_app = schema["warm"]["cpu"] / warm_apps * 1000
    results.add("[schema] CPU per app, warm", round(per_app, 2), "ms", "a small part of 50 ms/app")
    results.add("[schema] broken objects found", schema["failed"], "", "1")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--qps", type=float, default=50.0)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(args.apps, args.latency_ms, args.qps, args.burst)
    results.add("benchmark wall", round(time.perf_counter() - started, 1), "s")
    results.report()
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
