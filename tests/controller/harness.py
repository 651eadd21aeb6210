"""End-to-end harness: two embedded API servers, a Git repo, and `gitsync serve` as a
real subprocess on a free port."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from gitsync.sim import SimCluster
from tests.gitrepo import GitRepo
from tests.waiting import wait_for as shared_wait_for

T = TypeVar("T")
GITHUB_SECRET = "s3cret-webhook"
API_TOKEN = "e2e-api-token"


def wait_for(
    fn: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> T:
    """`tests.waiting.wait_for`, retrying while a server is not listening or answers badly."""
    retry = (OSError, urllib.error.URLError, ValueError)
    return shared_wait_for(fn, timeout=timeout, interval=interval, what=what, retry_on=retry)


def deployment(name: str, image: str = "nginx:1.25", replicas: int = 1) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": name, "image": image}]},
                },
            },
        }
    )


def configmap(name: str, value: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": value}}
    )


def appset(repo_url: str, self_heal: bool = True, extra: dict[str, Any] | None = None) -> str:
    automated: dict[str, Any] = {"prune": True, "selfHeal": self_heal}
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "apps"},
            "spec": {
                "generators": [
                    {
                        "matrix": {
                            "generators": [
                                {
                                    "git": {
                                        "repoURL": repo_url,
                                        "revision": "HEAD",
                                        "directories": [{"path": "apps/*"}],
                                    }
                                },
                                {"clusters": {"selector": {"matchLabels": {"env": "test"}}}},
                            ]
                        }
                    }
                ],
                "template": {
                    "metadata": {
                        "name": "{{path.basename}}-{{name}}",
                        "annotations": {"argocd.argoproj.io/manifest-generate-paths": "."},
                    },
                    "spec": {
                        "project": "default",
                        "source": {
                            "repoURL": repo_url,
                            "targetRevision": "HEAD",
                            "path": "{{path}}",
                        },
                        "destination": {"server": "{{server}}", "namespace": "{{path.basename}}"},
                        "syncPolicy": {
                            "automated": automated,
                            "syncOptions": ["CreateNamespace=true"],
                            **(extra or {}),
                        },
                    },
                },
            },
        }
    )


@dataclass
class Env:
    tmp: Path
    sims: list[SimCluster]
    repo: GitRepo
    port: int = 0  # where serve listens, once started
    proc: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- process ----------------------------------------------------------------------------
    def start(self, wait_ready: bool = True) -> None:
        """Start `gitsync serve` on a port the kernel picks (read back from its log, so no
        other process can take the port between choosing and binding it)."""
        clusters = [
            {
                "name": f"c{i + 1}",
                "server": sim.url,
                "labels": {"env": "test"},
                "kubeconfig": str(sim.kubeconfig),
            }
            for i, sim in enumerate(self.sims)
        ]
        clusters_file = self.tmp / "clusters.yaml"
        clusters_file.write_text(yaml.safe_dump(clusters))
        args = [
            sys.executable,
            "-m",
            "gitsync",
            "serve",
            "--repo",
            self.repo.url,
            "--path",
            "root",
            "--kubeconfig",
            str(self.sims[0].kubeconfig),
            "--namespace",
            "gitsync",
            "--listen",
            "127.0.0.1:0",
            "--poll-interval",
            "1s",
            "--wave-delay",
            "0",
            "--clusters",
            str(clusters_file),
            "--github-secret",
            GITHUB_SECRET,
            "--api-token",
            API_TOKEN,
            "--cache-dir",
            str(self.tmp / "cache"),
            "--no-leader-election",
            "--log-format",
            "json",
            *self.extra_args,
        ]
        env = {**os.environ, "GITSYNC_SELF_HEAL_BACKOFF": "0.2", **self.env}
        log_path = self.tmp / "serve.log"
        earlier = log_path.stat().st_size if log_path.exists() else 0
        log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.port = wait_for(lambda: self._listening_port(earlier), what="serve listening")
        if wait_ready:
            wait_for(lambda: self.ready(), timeout=30, what="serve ready")

    def _listening_port(self, earlier: int) -> int | None:
        """The port of the "http server listening" line this process logged (the log file
        also holds the lines of earlier runs, before byte `earlier`)."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"serve exited {self.proc.returncode}: {self.logs()[-3000:]}")
        with open(self.tmp / "serve.log", "rb") as log:
            log.seek(earlier)
            for line in log:
                if b"http server listening" in line:
                    return int(json.loads(line)["port"])
        return None

    def ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"serve exited {self.proc.returncode}: {self.logs()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as resp:
                return bool(resp.status == 200)
        except urllib.error.HTTPError:
            return False

    def readiness(self) -> tuple[int, str] | None:
        """(status, body) of ``/readyz``; None while nothing listens on the port yet."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"serve exited {self.proc.returncode}: {self.logs()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as resp:
                return int(resp.status), resp.read().decode().strip()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read().decode().strip()
        except (urllib.error.URLError, ConnectionError):
            return None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return int(self.proc.returncode)

    def logs(self) -> str:
        path = self.tmp / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- API --------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`gitsync ARGS --server <this controller>` as a subprocess, with the API token."""
        return subprocess.run(
            [sys.executable, "-m", "gitsync", *args, "--server", self.url],
            capture_output=True,
            text=True,
            timeout=30,
            check=check,
            env={**os.environ, "GITSYNC_TOKEN": API_TOKEN},
        )

    def apps(self) -> dict[str, dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.url}/api/v1/applications", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            items = json.loads(resp.read())["items"]
        return {a["name"]: a for a in items}

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    def webhook(
        self,
        body: bytes,
        *,
        secret: str | None = GITHUB_SECRET,
        headers: dict[str, str] | None = None,
    ) -> int:
        hdrs = {"Content-Type": "application/json", "X-GitHub-Event": "push"}
        if secret is not None:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            hdrs["X-Hub-Signature-256"] = f"sha256={digest}"
        hdrs.update(headers or {})
        req = urllib.request.Request(f"{self.url}/api/webhook", data=body, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as err:
            return int(err.code)

    def wait_reconciles(self, name: str, times: int = 2, timeout: float = 30) -> None:
        """Wait until the controller has looked at app `name` `times` more times (each
        reconcile stamps `reconciled_at`): what did not happen by then, did not happen."""
        seen = {self.apps()[name]["reconciled_at"]}
        wait_for(
            lambda: seen.add(self.apps()[name]["reconciled_at"]) or len(seen) > times,
            timeout=timeout,
            what=f"{times} reconciles of {name}",
        )

    def wait_apps(
        self,
        check: Callable[[dict[str, dict[str, Any]]], bool],
        timeout: float = 30,
        what: str = "",
    ) -> dict[str, dict[str, Any]]:
        def probe() -> dict[str, dict[str, Any]] | None:
            apps = self.apps()
            return apps if apps and check(apps) else None

        try:
            return wait_for(probe, timeout=timeout, what=what)
        except AssertionError:
            print(self.logs()[-3000:])
            print(json.dumps(self.apps(), indent=1)[:6000])
            raise


def all_synced_healthy(expected: set[str]) -> Callable[[dict[str, dict[str, Any]]], bool]:
    def check(apps: dict[str, dict[str, Any]]) -> bool:
        return set(apps) == expected and all(
            a["sync_status"] == "Synced" and a["health"] == "Healthy" for a in apps.values()
        )

    return check


@contextmanager
def environment(
    tmp: Path,
    files: dict[str, str],
    *,
    start: bool = True,
    self_heal: bool = True,
    args: list[str] | None = None,
    env_vars: dict[str, str] | None = None,
) -> Iterator[Env]:
    with (
        SimCluster(controllers=True, ready_delay=0.0, port=0) as one,
        SimCluster(controllers=True, ready_delay=0.0, port=0) as two,
    ):
        repo = GitRepo.create(tmp / "repo", files={"README.md": "x\n"})
        repo.commit(files={"root/appset.yaml": appset(repo.url, self_heal), **files})
        env = Env(tmp, [one, two], repo, extra_args=list(args or []), env=dict(env_vars or {}))
        try:
            if start:
                env.start()
            yield env
        finally:
            if env.proc is not None:
                env.stop()


def push_payload(repo_url: str, before: str, after: str, changed: list[str]) -> bytes:
    return json.dumps(
        {
            "ref": "refs/heads/main",
            "before": before,
            "after": after,
            "repository": {
                "html_url": repo_url,
                "clone_url": repo_url,
                "default_branch": "main",
            },
            "commits": [{"id": after, "added": [], "modified": changed, "removed": []}],
        }
    ).encode()
