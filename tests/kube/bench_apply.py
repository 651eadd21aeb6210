"""Throughput of server-side apply against the embedded API server (not a test).

Run: ``.venv/bin/python -m tests.kube.bench_apply``. Prints applies/s, sequential and
from 8 threads, with and without 15 ms of injected latency per PATCH, with the client
limits off and at their defaults (50 QPS, burst 100).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gitsync.kube import Cluster
from gitsync.sim import SimCluster


def config_map(name: str, value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "labels": {"bench": "yes"}},
        "data": {"value": value},
    }


def run(cluster: Cluster, count: int, threads: int, round_: int) -> float:
    objects = [config_map(f"cm-{i:05d}", f"{round_}") for i in range(count)]
    cluster.resource_for("v1", "ConfigMap")
    start = time.perf_counter()
    if threads == 1:
        for obj in objects:
            cluster.apply(obj)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(cluster.apply, objects))
    return count / (time.perf_counter() - start)


def main() -> None:
    rows: list[tuple[str, str, int, float]] = []
    round_ = 0
    for latency in (0.0, 0.015):
        for limits, qps, burst in (("off", 0.0, 100), ("50/100", 50.0, 100)):
            for threads in (1, 8):
                with SimCluster() as sim:
                    if latency:
                        sim.faults.add(method="PATCH", latency=latency)
                    count = 200 if latency and threads == 1 else 600
                    with Cluster.from_kubeconfig(sim.kubeconfig, qps=qps, burst=burst) as c:
                        round_ += 1
                        rate = run(c, count, threads, round_)
                rows.append((f"{latency * 1000:.0f} ms", limits, threads, rate))
    print(f"{'latency':>8} {'qps/burst':>10} {'threads':>8} {'applies/s':>10}")
    for latency_text, limits, threads, rate in rows:
        print(f"{latency_text:>8} {limits:>10} {threads:>8} {rate:>10.0f}")


if __name__ == "__main__":
    main()
