"""Webhook to first apply: a push to one app of an N-app repository, announced by a signed
GitHub webhook to `gitsync serve`, until the emulator sees the first write for that app.

`gitsync serve` runs as a subprocess (as in production) with a poll interval of an hour,
so only the webhook can start the sync. Each round, `--interval` seconds after the last,
commits a change to one app's ConfigMap, posts the push and waits for the write of that
ConfigMap (seen by a listener on the emulator's store).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, Results, git, make_repo, median, percentile
from gitsync.sim import SimCluster
from gitsync.sim.watchhub import WatchEvent

SECRET = "bench-webhook-secret"
NAMESPACE = "bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _appset(repo_url: str) -> str:
    return json.dumps(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "bench"},
            "spec": {
                "generators": [
                    {
                        "git": {
                            "repoURL": repo_url,
                            "revision": "HEAD",
                            "directories": [{"path": "apps/*"}],
                        }
                    }
                ],
                "template": {
                    "metadata": {
                        "name": "{{path.basename}}",
                        "annotations": {"argocd.argoproj.io/manifest-generate-paths": "."},
                    },
                    "spec": {
                        "project": "default",
                        "source": {
                            "repoURL": repo_url,
                            "targetRevision": "HEAD",
                            "path": "{{path}}",
                        },
                        "destination": {
                            "server": "https://kubernetes.default.svc",
                            "namespace": NAMESPACE,
                        },
                        "syncPolicy": {"automated": {"prune": True}},
                    },
                },
            },
        }
    )


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post_push(url: str, repo_url: str, before: str, after: str, changed: list[str]) -> int:
    body = json.dumps(
        {
            "ref": "refs/heads/main",
            "before": before,
            "after": after,
            "repository": {"clone_url": repo_url, "html_url": repo_url, "default_branch": "main"},
            "commits": [{"id": after, "added": [], "modified": changed, "removed": []}],
        }
    ).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-Hub-Signature-256": signature,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(
        repo,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@gitsync.invalid",
        "commit",
        "-q",
        "-m",
        message,
    )


class FirstWrites:
    """When each object was first changed after `arm`, as the emulator's store commits it.

    A store listener, not a loop over the request log: polling the log in this process
    (which also serves the emulator) would slow the very requests being timed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._since = float("inf")
        self._times: dict[str, float] = {}

    def __call__(self, event: WatchEvent) -> None:
        now = time.monotonic()
        with self._cond:
            if now >= self._since and event.kind == "ConfigMap":
                self._times.setdefault(event.name, now)
                self._cond.notify_all()

    def arm(self, since: float) -> None:
        with self._cond:
            self._since = since
            self._times.clear()

    def wait(self, name: str, timeout: float) -> float | None:
        with self._cond:
            self._cond.wait_for(lambda: name in self._times, timeout)
            return self._times.get(name)


def run(apps: int, rounds: int, settle_timeout: float, interval: float = 1.0) -> Results:
    results = Results("webhook_latency", {"apps": apps, "rounds": rounds, "interval_s": interval})
    with tempfile.TemporaryDirectory() as tmp, SimCluster(ready_delay=0.0) as sim:
        writes = FirstWrites()
        sim.store.listeners.append(writes)
        repo = Path(tmp) / "repo"
        make_repo(repo, apps, 1, workloads=False, namespace=NAMESPACE)
        repo_url = f"file://{repo}"
        (repo / "root").mkdir()
        (repo / "root" / "appset.yaml").write_text(_appset(repo_url), encoding="utf-8")
        _commit(repo, "root")
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = (Path(tmp) / "serve.log").open("w")
        serve = subprocess.Popen(
            [
                sys.executable, "-m", "gitsync", "serve",
                "--repo", str(repo), "--path", "root",
                "--kubeconfig", str(sim.kubeconfig), "--namespace", "gitsync",
                "--listen", f"127.0.0.1:{port}", "--poll-interval", "1h",
                "--github-secret", SECRET, "--no-leader-election", "--wave-delay", "0",
                "--cache-dir", str(Path(tmp) / "cache"), "--concurrency", "4",
            ],
            cwd=ROOT, stdout=log, stderr=log,
            env={**os.environ, "GITSYNC_LOG_FORMAT": "json"},
        )  # fmt: skip
        try:
            started = time.monotonic()
            while True:
                if serve.poll() is not None:
                    raise SystemExit(
                        f"gitsync serve exited with {serve.returncode}; see {log.name}"
                    )
                try:
                    listed = _get_json(f"{base}/api/v1/applications")
                except OSError:
                    listed = {}
                items = listed.get("items", []) if isinstance(listed, dict) else []
                synced = [a for a in items if a.get("sync_status") == "Synced"]
                if len(synced) == apps:
                    break
                if time.monotonic() - started > settle_timeout:
                    raise SystemExit(
                        f"only {len(synced)} of {apps} apps Synced after {settle_timeout}s"
                    )
                time.sleep(0.2)
            results.add("initial sync of every app, wall", time.monotonic() - started, "s")
            latencies: list[float] = []
            for number in range(rounds):
                # Pushes come seconds apart, not back to back: in between, the client's
                # token bucket (50 QPS, burst 100, Argo CD's defaults) refills as it would.
                time.sleep(interval)
                app = f"app-{(number * 7919) % apps:04d}"
                target = next((repo / "apps" / app).glob("*.yaml"))
                before = _head(repo)
                text = re.sub(
                    r"LOG_LEVEL: \S+", f"LOG_LEVEL: r{number}", target.read_text(encoding="utf-8")
                )
                target.write_text(text, encoding="utf-8")
                _commit(repo, f"round {number}")
                sent = time.monotonic()
                writes.arm(sent)
                status = _post_push(
                    f"{base}/api/webhook", repo_url, before, _head(repo),
                    [str(target.relative_to(repo))],
                )  # fmt: skip
                if status != 202:
                    raise SystemExit(f"webhook answered {status}")
                written = writes.wait(f"{app}-00", timeout=30)
                if written is None:
                    raise SystemExit(f"no write for {app} within 30 s")
                latencies.append(written - sent)
            ms = [value * 1000 for value in latencies]
            results.add("webhook -> first apply, p50", median(ms), "ms", "< 100 ms")
            results.add("webhook -> first apply, p99", percentile(ms, 0.99), "ms")
            results.add("webhook -> first apply, max", max(ms), "ms")
        except BaseException:
            log.flush()
            print((Path(tmp) / "serve.log").read_text(encoding="utf-8")[-3000:], file=sys.stderr)
            raise
        finally:
            serve.terminate()
            try:
                serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve.kill()
            log.close()
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between pushes (default 1)"
    )
    args = parser.parse_args(argv)
    results = run(args.apps, args.rounds, args.settle_timeout, args.interval)
    results.report()
    return results


if __name__ == "__main__":
    main()
