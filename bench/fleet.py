"""Fleet sync from a cold start: an ApplicationSet (git directories) of N apps x 4 objects
(Deployment, Service, ConfigMap, ServiceAccount), automated sync, through `gitsync serve`.

The emulator runs in a process of its own with `--latency-ms` added to every request, as a
remote API server would; `gitsync serve` runs as a subprocess with the client limits given
(default 50 QPS, burst 100: Argo CD's and Flux's defaults). Measured until every app is
Synced and Healthy: wall time, API requests per object (bookkeeping included), writes per
app, serve's CPU per app and its peak RSS. The emulator's request counts come from its own
process over a pipe, so counting costs the timed processes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, Results, configmap, deployment, git, service, service_account

NAMESPACE = "fleet"
FLUX_SECONDS = 256.0  # Flux's published figure for 1,000 Kustomizations x 4 objects


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the emulator's process ---------------------------------------------------------------


def cluster_process(latency_ms: float) -> None:
    """Run an emulator until stdin closes; answer ``stats`` lines with request counts."""
    from gitsync.sim import SimCluster

    with SimCluster(ready_delay=0.0) as sim:
        if latency_ms > 0:
            sim.faults.add(latency=latency_ms / 1000)
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        print(json.dumps({"kubeconfig": str(sim.kubeconfig)}), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                records = list(sim.requests)
                counted = [r for r in records if r.verb != "watch"]
                print(
                    json.dumps(
                        {
                            "requests": len(counted),
                            "writes": sum(1 for r in counted if r.is_write),
                            "status_writes": sum(
                                1
                                for r in counted
                                if r.is_write
                                and r.kind in ("ConfigMap", "Lease")
                                and r.namespace == "gitsync"
                            ),
                            "watches": len(records) - len(counted),
                            "by_verb": _tally(r.verb for r in counted),
                            "by_what": _tally(_what(r) for r in counted),
                        }
                    ),
                    flush=True,
                )


def _what(record: Any) -> str:
    """verb and kind (or the path's first segments when it names no kind), dry runs apart."""
    what = record.kind or "/".join(record.path.split("?")[0].split("/")[:3])
    if record.kind == "ConfigMap" and record.namespace == "gitsync":
        # bookkeeping: the operation state (gitsync-op-*) apart from the status
        what += " " + "-".join((record.name or "").split("-")[:2])
    return f"{record.verb or record.method}{' dry-run' if record.dry_run else ''} {what}"


def _tally(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


class ClusterProcess:
    def __init__(self, latency_ms: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fleet", "--cluster-process",
             "--latency-ms", str(latency_ms)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.kubeconfig = json.loads(self.proc.stdout.readline())["kubeconfig"]

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- the repository -----------------------------------------------------------------------


def _appset(repo_url: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "fleet"},
        "spec": {
            "generators": [
                {"git": {"repoURL": repo_url, "revision": "HEAD",
                         "directories": [{"path": "apps/*"}]}}
            ],
            "template": {
                "metadata": {"name": "{{path.basename}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo_url, "targetRevision": "HEAD", "path": "{{path}}"},
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": NAMESPACE,
                    },
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
        },
    }  # fmt: skip


def make_fleet_repo(repo: Path, apps: int) -> str:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for number in range(apps):
        app = f"app-{number:04d}"
        directory = repo / "apps" / app
        directory.mkdir(parents=True)
        (directory / "deployment.yaml").write_text(deployment(app, NAMESPACE, app))
        (directory / "service.yaml").write_text(service(app, NAMESPACE, app))
        (directory / "configmap.yaml").write_text(configmap(app, NAMESPACE, app, number))
        (directory / "serviceaccount.yaml").write_text(service_account(app, NAMESPACE, app))
    repo_url = f"file://{repo}"
    (repo / "root").mkdir()
    (repo / "root" / "appset.yaml").write_text(json.dumps(_appset(repo_url)))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@gitsync.invalid",
        "commit", "-q", "-m", "fleet")  # fmt: skip
    return repo_url


# -- serve ----------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _apps(base: str) -> list[dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/applications", timeout=10) as answer:
            return list(json.loads(answer.read()).get("items", []))
    except OSError:
        return []


def run(apps: int, latency_ms: float, qps: float, burst: int, timeout: float) -> Results:
    params = {"apps": apps, "objects_per_app": 4, "latency_ms": latency_ms, "qps": qps,
              "burst": burst}  # fmt: skip
    results = Results("fleet", params)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo_url = make_fleet_repo(work / "repo", apps)
        cluster = ClusterProcess(latency_ms)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = (work / "serve.log").open("w")
        env = {**os.environ, "GITSYNC_QPS": str(qps), "GITSYNC_BURST": str(burst),
               "GITSYNC_LOG_FORMAT": "json"}  # fmt: skip
        started = time.monotonic()
        serve = subprocess.Popen(
            [sys.executable, "-m", "gitsync", "serve",
             "--repo", repo_url, "--path", "root", "--kubeconfig", cluster.kubeconfig,
             "--namespace", "gitsync", "--listen", f"127.0.0.1:{port}",
             "--poll-interval", "1h", "--no-leader-election", "--wave-delay", "0",
             "--cache-dir", str(work / "cache")],
            cwd=ROOT, stdout=log, stderr=log, env=env,
        )  # fmt: skip
        try:
            done = 0
            while True:
                if serve.poll() is not None:
                    raise SystemExit(f"gitsync serve exited {serve.returncode}; see its log")
                listed = _apps(base)
                done = sum(
                    1
                    for a in listed
                    if a.get("sync_status") == "Synced" and a.get("health") == "Healthy"
                )
                if done == apps:
                    break
                if time.monotonic() - started > timeout:
                    raise SystemExit(f"only {done} of {apps} apps Synced+Healthy after {timeout}s")
                time.sleep(1.0)
            wall = time.monotonic() - started
            cpu = _cpu_seconds(serve.pid)
            rss = _peak_rss_mib(serve.pid)
            stats = cluster.stats()
        except BaseException:
            log.flush()
            print((work / "serve.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            serve.terminate()
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
            log.close()
            cluster.close()
    objects = apps * 4
    goal_wall = FLUX_SECONDS / 2 * apps / 1000
    results.add("all Synced+Healthy, wall", wall, "s", f"<= {goal_wall:.0f} s (Flux/2)")
    results.add("API requests (no watches)", stats["requests"], "")
    results.add("requests per object", stats["requests"] / objects, "", "<= 1.5")
    results.add("writes per app", stats["writes"] / apps, "")
    results.add("bookkeeping writes per app", stats["status_writes"] / apps, "")
    results.add("serve CPU per app", cpu / apps * 1000, "ms", "<= 50 ms")
    results.add("serve peak RSS", rss, "MiB", "<= 175 MiB")
    results.add("requests by verb", json.dumps(stats["by_verb"], sort_keys=True), "")
    results.add("requests by verb and kind", json.dumps(stats["by_what"], sort_keys=True), "")
    return results


def main(argv: list[str] | None = None) -> Results | None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--qps", type=float, default=50.0)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--cluster-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cluster_process:
        cluster_process(args.latency_ms)
        return None
    results = run(args.apps, args.latency_ms, args.qps, args.burst, args.timeout)
    results.report()
    return results


if __name__ == "__main__":
    main()
