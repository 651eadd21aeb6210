"""One app of N resources in one wave: `gitsync sync` (CLI subprocess) against
``kubectl apply --server-side -f DIR`` of the same files on the same embedded API server,
first as fast as the emulator goes, then with latency injected into every request.

    python -m bench.sync_one_app [--resources 200] [--latency-ms 15]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import ROOT, Results, app_files, gitsync_cli, write_files
from gitsync.kube import Cluster
from gitsync.model.enums import OperationPhase
from gitsync.render import Renderer
from gitsync.sim import SimCluster
from gitsync.source import LocalTree
from gitsync.sync.kubeport import KubePort
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.store import OperationStore

KUBECTL = "/usr/bin/kubectl"
NAMESPACE = "bench"


def fresh_cluster(latency: float) -> SimCluster:
    sim = SimCluster().start()
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    if latency:
        sim.faults.add(latency=latency)
    sim.reset_requests()
    return sim


def run_gitsync(sim: SimCluster, directory: Path) -> tuple[float, int, Counter[str]]:
    started = time.perf_counter()
    done = gitsync_cli(
        "sync",
        str(directory),
        "--kubeconfig",
        str(sim.kubeconfig),
        "--app-name",
        "bench",
        "--dest-namespace",
        NAMESPACE,
        "--wave-delay",
        "0s",
        "--timeout",
        "10m",
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"gitsync sync failed: {done.stdout}{done.stderr}")
    return wall, sim.request_count, request_kinds(sim)


def run_in_process(sim: SimCluster, directory: Path, qps: float) -> tuple[float, int]:
    """The same sync through SyncRunner in this process, with the client's QPS limit set
    to `qps` (the CLI keeps the default of 50, which bounds a 600-request sync to ~10 s)."""
    manifests = Renderer().render(LocalTree(directory.parent), directory.name)
    cluster = Cluster.from_kubeconfig(str(sim.kubeconfig), qps=qps, burst=int(qps * 2))
    port = KubePort(cluster)
    runner = SyncRunner(port, OperationStore(port), poll_interval=0.02)
    request = SyncRequest(
        app="bench",
        manifests=manifests,
        dest_namespace=NAMESPACE,
        settings=SyncSettings(wave_delay=0.0),
    )
    started = time.perf_counter()
    state = runner.run(request, timeout=600)
    wall = time.perf_counter() - started
    cluster.close()
    if state.phase is not OperationPhase.SUCCEEDED:
        raise RuntimeError(f"in-process sync ended {state.phase.value}")
    return wall, sim.request_count


def run_kubectl(sim: SimCluster, directory: Path) -> tuple[float, int, Counter[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            KUBECTL,
            "--kubeconfig",
            str(sim.kubeconfig),
            "apply",
            "--server-side",
            "--field-manager",
            "kubectl-bench",
            "-f",
            str(directory),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"kubectl apply failed: {done.stderr}")
    return wall, sim.request_count, request_kinds(sim)


def request_kinds(sim: SimCluster) -> Counter[str]:
    """Requests by verb, dry-runs and discovery apart (discovery has no verb)."""
    counts: Counter[str] = Counter()
    for record in sim.requests:
        name = record.verb or "discovery"
        counts[f"{name}(dry-run)" if record.dry_run else name] += 1
    return counts


def verbs(counts: Counter[str]) -> str:
    return " ".join(f"{method}={count}" for method, count in sorted(counts.items()))


def run(resources: int, latency_ms: float, work: Path) -> Results:
    results = Results("sync_one_app", {"resources": resources, "latency_ms": latency_ms})
    directory = work / "bench"
    write_files(directory, app_files("bench", NAMESPACE, resources, workloads=False))
    kubectl = shutil.which(KUBECTL)
    for label, latency in (("fast", 0.0), (f"{latency_ms:g}ms", latency_ms / 1000)):
        sim = fresh_cluster(latency)
        try:
            wall, requests, methods = run_gitsync(sim, directory)
            applied = len(sim.list_objects("v1", "ConfigMap", NAMESPACE))
            sim.reset_requests()
            again_wall, again, again_methods = run_gitsync(sim, directory)
        finally:
            sim.stop()
        results.add(f"[{label}] gitsync sync wall", wall, "s", "< kubectl")
        results.add(f"[{label}] gitsync sync requests", requests, "", "<= kubectl")
        results.add(f"[{label}] gitsync sync by verb", verbs(methods))
        results.add(f"[{label}] ConfigMaps in cluster after sync", applied)
        results.add(f"[{label}] gitsync sync again, nothing changed, wall", again_wall, "s")
        results.add(f"[{label}] gitsync sync again, requests", again)
        results.add(f"[{label}] gitsync sync again by verb", verbs(again_methods))
        sim = fresh_cluster(latency)
        try:
            p_wall, p_requests = run_in_process(sim, directory, qps=10_000)
        finally:
            sim.stop()
        results.add(f"[{label}] SyncRunner in process, QPS 10k, wall", p_wall, "s")
        results.add(f"[{label}] SyncRunner in process, requests", p_requests)
        if kubectl is None:
            results.add(f"[{label}] kubectl apply --server-side", "skipped: no kubectl")
            continue
        sim = fresh_cluster(latency)
        try:
            k_wall, k_requests, k_methods = run_kubectl(sim, directory)
        finally:
            sim.stop()
        results.add(f"[{label}] kubectl apply --server-side wall", k_wall, "s")
        results.add(f"[{label}] kubectl apply --server-side requests", k_requests)
        results.add(f"[{label}] kubectl by verb", verbs(k_methods))
        results.add(f"[{label}] gitsync / kubectl wall", wall / max(k_wall, 1e-9), "x", "< 1")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.resources, args.latency_ms, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
