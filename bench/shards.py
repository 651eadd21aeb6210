"""Scale-out: N apps x 4 objects from a cold start over 1, 2 and 3 `gitsync serve --shards`
replicas, each run on a fresh emulator (its own process, `--latency-ms` per request).

Each replica is a subprocess with its own client limits (default 50 QPS, burst 100), so
the cluster budget grows with the replicas, as it does with real pods. Measured per
replica count until every app is Synced and Healthy, read from one replica's API (every
replica lists every app): wall time, the speed-up over one replica and per replica, and
how long the shards took to be spread (every shard held).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

from bench.common import ROOT, Results
from bench.fleet import ClusterProcess, _apps, _free_port, make_fleet_repo

SPEEDUP_GOAL = 0.7  # of the ideal (N replicas, N times as fast)


def _shards_held(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except OSError:
        return 0
    found = re.search(r"^gitsync_shards_held (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


def _serve(
    repo_url: str, kubeconfig: str, args: list[str], log: IO[str], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gitsync", "serve", "--repo", repo_url, "--path", "root",
               "--kubeconfig", kubeconfig, "--namespace", "gitsync", "--poll-interval", "1h",
               "--wave-delay", "0", *args]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, env=env)


def run_replicas(
    repo_url: str,
    work: Path,
    replicas: int,
    *,
    apps: int,
    shards: int,
    latency_ms: float,
    qps: float,
    burst: int,
    lease: str,
    timeout: float,
) -> tuple[float, float]:
    """(seconds until every app is Synced+Healthy, seconds until every shard is held)."""
    cluster = ClusterProcess(latency_ms)
    env = {**os.environ, "GITSYNC_QPS": str(qps), "GITSYNC_BURST": str(burst),
           "GITSYNC_LOG_FORMAT": "json"}  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    logs = []
    started = time.monotonic()
    try:
        for index in range(replicas):
            port = _free_port()
            bases.append(f"http://127.0.0.1:{port}")
            log = (work / f"serve-{replicas}-{index}.log").open("w")
            logs.append(log)
            args = ["--shards", str(shards), "--identity", f"replica-{index}",
                    "--lease-duration", lease, "--listen", f"127.0.0.1:{port}",
                    "--cache-dir", str(work / f"cache-{replicas}-{index}")]  # fmt: skip
            procs.append(_serve(repo_url, cluster.kubeconfig, args, log, env))
        spread = 0.0
        while True:
            for proc in procs:
                if proc.poll() is not None:
                    raise SystemExit(f"gitsync serve exited {proc.returncode}; see its log")
            if not spread and sum(_shards_held(base) for base in bases) == shards:
                spread = time.monotonic() - started
            listed = _apps(bases[0])
            done = sum(
                1
                for a in listed
                if a.get("sync_status") == "Synced" and a.get("health") == "Healthy"
            )
            if done == apps:
                return time.monotonic() - started, spread
            if time.monotonic() - started > timeout:
                raise SystemExit(f"{replicas} replicas: {done} of {apps} apps synced in {timeout}s")
            time.sleep(0.5)
    except BaseException:
        for log in logs:
            log.flush()
        print((work / f"serve-{replicas}-0.log").read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
        cluster.close()


def run(
    apps: int,
    replica_counts: list[int],
    *,
    shards: int = 6,
    latency_ms: float = 15.0,
    qps: float = 50.0,
    burst: int = 100,
    lease: str = "15s",
    timeout: float = 3600.0,
) -> Results:
    params = {"apps": apps, "objects_per_app": 4, "replicas": replica_counts, "shards": shards,
              "latency_ms": latency_ms, "qps_per_replica": qps, "lease": lease}  # fmt: skip
    results = Results("shards", params)
    walls: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo_url = make_fleet_repo(work / "repo", apps)
        for count in replica_counts:
            wall, spread = run_replicas(
                repo_url, work, count, apps=apps, shards=shards, latency_ms=latency_ms,
                qps=qps, burst=burst, lease=lease, timeout=timeout,
            )  # fmt: skip
            walls[count] = wall
            results.add(f"{count} replica(s): all Synced+Healthy, wall", wall, "s")
            results.add(f"{count} replica(s): every shard held after", spread, "s")
    base = walls.get(1)
    for count, wall in walls.items():
        if base is None or count == 1:
            continue
        speedup = base / wall
        results.add(
            f"{count} replicas: speed-up over one", speedup, "x", f">= {SPEEDUP_GOAL * count:.1f}x"
        )
        results.add(
            f"{count} replicas: speed-up per replica", speedup / count, "", f">= {SPEEDUP_GOAL}"
        )
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--apps", type=int, default=3000)
    parser.add_argument("--replicas", default="1,2,3", help="replica counts to run, e.g. 1,2,3")
    parser.add_argument("--shards", type=int, default=6)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--qps", type=float, default=50.0)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--lease-duration", default="15s")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)
    counts = [int(part) for part in args.replicas.split(",") if part.strip()]
    results = run(
        args.apps, counts, shards=args.shards, latency_ms=args.latency_ms, qps=args.qps,
        burst=args.burst, lease=args.lease_duration, timeout=args.timeout,
    )  # fmt: skip
    results.report()
    return results


if __name__ == "__main__":
    main()
