"""A private Git repository over HTTP (git http-backend behind basic auth) read by
`gitsync serve` through an Argo CD repository Secret in the cluster: a wrong password
gives a clear condition, the right one syncs, and the password shows nowhere."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import Env, configmap
from tests.githttp import serve_private_git
from tests.gitrepo import GitRepo

WRONG = "wrong-Pa55word-7731"
RIGHT = "right-Pa55word-4410"


def _secret(password: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "private-repo",
            "namespace": "gitsync",
            "labels": {"argocd.argoproj.io/secret-type": "repository"},
        },
        "stringData": {"url": "", "username": "deployer", "password": password},
    }


def test_private_repo_read_with_a_repository_secret(tmp_path: Path) -> None:
    content = GitRepo.create(tmp_path / "work", files={"app/cm.yaml": configmap("private", "1")})
    served = tmp_path / "served"
    served.mkdir()
    subprocess.run(
        ["git", "clone", "--bare", "--quiet", str(content.path), str(served / "private.git")],
        check=True,
    )
    with (
        SimCluster(controllers=True, ready_delay=0.0, port=0) as sim,
        serve_private_git(served, "deployer", RIGHT) as git_server,
    ):
        private_url = git_server.repo_url("private.git")
        app = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "private"},
            "spec": {
                "project": "default",
                "source": {"repoURL": private_url, "path": "app", "targetRevision": "main"},
                "destination": {"server": sim.url, "namespace": "default"},
                "syncPolicy": {"automated": {"prune": True}},
            },
        }
        root = GitRepo.create(tmp_path / "root", files={"root/private.yaml": yaml.safe_dump(app)})
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gitsync"}})
        secret = _secret(WRONG)
        secret["stringData"]["url"] = private_url
        sim.create(secret)
        env = Env(tmp_path, [sim], root)
        try:
            env.start()
            refused = env.wait_apps(
                lambda a: (
                    "private" in a
                    and any("authentication failed" in c for c in a["private"]["conditions"])
                ),
                timeout=40,
                what="a clear authentication error",
            )["private"]
            assert refused["sync_status"] == "Unknown"
            assert sim.get_object("v1", "ConfigMap", "default", "private") is None
            assert any(not ok for _, _, ok in git_server.requests)

            secret["stringData"]["password"] = RIGHT
            sim.apply(secret)
            synced = env.wait_apps(
                lambda a: (
                    a["private"]["sync_status"] == "Synced" and a["private"]["health"] == "Healthy"
                ),
                timeout=40,
                what="the private repository synced",
            )["private"]
            assert synced["conditions"] == []
            live = sim.get_object("v1", "ConfigMap", "default", "private")
            assert live is not None and live["data"] == {"v": "1"}
            api_text = json.dumps(env.apps())
        finally:
            if env.proc is not None:
                env.stop()
        logs = env.logs()
        for password in (WRONG, RIGHT):
            assert password not in logs
            assert password not in api_text
        # the credentials went in a header, never in a URL git was given
        assert all("@" not in path for _, path, _ in git_server.requests)
