"""Scale-out: N apps x 4 objects from a cold start over 1, 2 and 3 `gitsync serve --shards`
replicas, each run on a fresh emulator (its own process, `--latency-ms` per request).

Each replica is a subprocess with its own client limits (default 50 QPS, burst 100), so
the cluster budget grows with the replicas, as it does with real pods. Measured per
replica count until every app is Synced and Healthy, read from one replica's API (every
replica lists every app): wall time, the speed-up over one replica and per replica, and
how long the shards took to be spread (every shard held).

``--failover``: three replicas at the Lease duration given; one is killed (SIGKILL) and
every app changed in Git at once: time until the others claimed its shards (from their
logs) and until every app is live again at the new commit; then one is paused (SIGSTOP):
time until its shards are held by the last one, and after it resumes (SIGCONT), until it
holds its share again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from bench.common import ROOT, Results, configmap, git
from bench.fleet import NAMESPACE, ClusterProcess, _apps, _free_port, make_fleet_repo

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
    command = [
        sys.executable,
        "-m",
        "gitsync",
        "serve",
        "--repo",
        repo_url,
        "--path",
        "root",
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        "gitsync",
        "--poll-interval",
        "1h",
        "--wave-delay",
        "0",
        *args,
    ]  # fmt: skip (a later --poll-interval wins)
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
        _stop(procs, logs, cluster)


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


def _wait(what: str, check: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"not done in {timeout:.0f}s: {what}")
        time.sleep(0.2)
    return time.monotonic() - started


def _all_live(base: str, apps: int, revision: str) -> bool:
    listed = _apps(base)
    return len(listed) == apps and all(
        a.get("sync_status") == "Synced" and a.get("revision") == revision for a in listed
    )


def _commit_and_wait(repo: Path, base: str, apps: int, change: int) -> float:
    """Change every app's ConfigMap in one commit; seconds until every app is live at it."""
    started = time.monotonic()
    for number in range(apps):
        app = f"app-{number:04d}"
        text = configmap(app, NAMESPACE, app, number + 1000 * change)
        (repo / "apps" / app / "configmap.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@gitsync.invalid",
        "commit", "-q", "-m", f"change {change}")  # fmt: skip
    head = git(repo, "rev-parse", "HEAD").strip()
    _wait("every app live", lambda: _all_live(base, apps, head), 1800)
    return time.monotonic() - started


def _claimed(logs: Sequence[Path], dead: str, since: float, count: int) -> float:
    """Seconds from `since` (wall clock) until the last of `count` shards of `dead` was
    claimed, as the claiming replicas logged it."""
    moments: list[float] = []
    for path in logs:
        for line in path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") != "shard claimed" or event.get("previous") != dead:
                continue
            moment = dt.datetime.fromisoformat(str(event["timestamp"])).timestamp()
            if moment >= since:
                moments.append(moment)
    if len(moments) < count:
        raise SystemExit(f"{len(moments)} claims of the {count} shards of {dead} logged")
    return max(sorted(moments)[:count]) - since


def failover(
    apps: int, *, shards: int = 6, lease: str = "15s", poll: str = "5s", latency_ms: float = 15.0
) -> Results:
    params = {"apps": apps, "replicas": 3, "shards": shards, "lease": lease, "poll": poll,
              "latency_ms": latency_ms}  # fmt: skip
    results = Results("shards-failover", params)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = work / "repo"
        repo_url = make_fleet_repo(repo, apps)
        cluster = ClusterProcess(latency_ms)
        env = {**os.environ, "GITSYNC_LOG_FORMAT": "json"}
        procs, bases, logs = [], [], []
        try:
            for index in range(3):
                port = _free_port()
                bases.append(f"http://127.0.0.1:{port}")
                logs.append((work / f"serve-{index}.log").open("w"))
                args = ["--shards", str(shards), "--identity", f"replica-{index}",
                        "--lease-duration", lease, "--poll-interval", poll,
                        "--listen", f"127.0.0.1:{port}",
                        "--cache-dir", str(work / f"cache-{index}")]  # fmt: skip
                procs.append(_serve(repo_url, cluster.kubeconfig, args, logs[-1], env))
            head = git(repo, "rev-parse", "HEAD").strip()
            _wait("all apps synced", lambda: _all_live(bases[0], apps, head), 1800)
            _wait(
                "shards spread",
                lambda: [_shards_held(b) for b in bases] == [shards // 3] * 3,
                600,
            )
            live = _commit_and_wait(repo, bases[0], apps, 1)
            results.add("commit, all replicas up: every app live after", live, "s",
                        f"<= poll {poll} + the sync")  # fmt: skip
            killed = time.time()
            procs[2].kill()
            live = _commit_and_wait(repo, bases[0], apps, 2)
            survivors = [work / f"serve-{index}.log" for index in (0, 1)]
            claimed = _claimed(survivors, "replica-2", killed, shards // 3)
            results.add("kill -9: its shards claimed by the others after", claimed, "s",
                        f"<= lease {lease} + poll {poll}")  # fmt: skip
            results.add("kill -9 + commit: every app live again after", live, "s",
                        f"<= lease {lease} + poll {poll} + the sync")  # fmt: skip
            procs[1].send_signal(signal.SIGSTOP)
            taken = _wait(
                "paused replica's shards taken", lambda: _shards_held(bases[0]) == shards, 600
            )
            results.add("SIGSTOP: its shards held by the last replica after", taken, "s",
                        f"<= lease {lease} + a renewal")  # fmt: skip
            procs[1].send_signal(signal.SIGCONT)
            back = _wait("resumed replica holds shards", lambda: _shards_held(bases[1]) > 0, 600)
            results.add("SIGCONT: the resumed replica holds a shard again after", back, "s")
        finally:
            _stop(procs, logs, cluster)
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
    parser.add_argument("--failover", action="store_true", help="measure failover instead")
    parser.add_argument("--poll-interval", default="5s", help="with --failover")
    args = parser.parse_args(argv)
    if args.failover:
        measured = failover(
            args.apps, shards=args.shards, lease=args.lease_duration, poll=args.poll_interval,
            latency_ms=args.latency_ms,
        )  # fmt: skip
        measured.report()
        return measured
    counts = [int(part) for part in args.replicas.split(",") if part.strip()]
    results = run(
        args.apps, counts, shards=args.shards, latency_ms=args.latency_ms, qps=args.qps,
        burst=args.burst, lease=args.lease_duration, timeout=args.timeout,
    )  # fmt: skip
    results.report()
    return results


def _stop(
    procs: list[subprocess.Popen[bytes]], logs: Sequence[IO[str]], cluster: ClusterProcess
) -> None:
    """End the replicas (a paused one is woken first, so it can exit) and the emulator."""
    for proc in procs:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    for log in logs:
        log.close()
    cluster.close()


if __name__ == "__main__":
    main()
