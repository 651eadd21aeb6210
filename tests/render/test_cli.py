"""`gitsync render` run as a real subprocess, the way a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.gitrepo import GitRepo
from tests.render.helpers import cm


def run(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GITSYNC_CACHE_DIR=str(cache))
    return subprocess.run(
        [sys.executable, "-m", "gitsync", "render", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_local_directory_as_yaml_and_json(tmp_path: Path) -> None:
    app = tmp_path / "plain" / "app"
    app.mkdir(parents=True)
    (app / "cm.yaml").write_text(cm("a") + "---\n" + cm("b", "ns"))
    done = run("app", cwd=tmp_path / "plain", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    docs = list(yaml.safe_load_all(done.stdout))
    assert [d["metadata"]["name"] for d in docs] == ["a", "b"]
    done = run("app", "-o", "json", cwd=tmp_path / "plain", cache=tmp_path / "cache")
    assert [d["metadata"]["name"] for d in json.loads(done.stdout)] == ["a", "b"]


def test_repo_revisions_and_work_tree(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files={"apps/web/cm.yaml": cm("v1")})
    repo.tag("v1")
    first = repo.head
    repo.commit(files={"apps/web/cm.yaml": cm("v2")})
    cache = tmp_path / "cache"

    def names(*args: str, cwd: Path = tmp_path) -> list[str]:
        done = run(*args, "-o", "json", cwd=cwd, cache=cache)
        assert done.returncode == 0, done.stderr
        return [d["metadata"]["name"] for d in json.loads(done.stdout)]

    assert names("apps/web", "--repo", repo.url) == ["v2"]
    assert names("apps/web", "--repo", str(repo.path), "--revision", "v1") == ["v1"]
    assert names("apps/web", "--repo", repo.url, "--revision", first[:7]) == ["v1"]
    # Inside a work tree, --revision reads that repository's history.
    assert names("web", "--revision", first, cwd=repo.path / "apps") == ["v1"]


def test_error_exits_are_one_line(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files={"apps/bad/cm.yaml": cm("a") + "data: [oops\n"})
    cache = tmp_path / "cache"
    assert_one_line_error(
        run("apps/bad", "--repo", repo.url, cwd=tmp_path, cache=cache), "apps/bad/cm.yaml:6"
    )
    assert_one_line_error(
        run("apps/bad", "--repo", repo.url, "--revision", "nope", cwd=tmp_path, cache=cache),
        "revision 'nope' not found",
    )
    assert_one_line_error(
        run("x", "--repo", (tmp_path / "missing").as_uri(), cwd=tmp_path, cache=cache),
        "cannot reach repository",
    )
    assert_one_line_error(
        run("apps/../../etc", "--repo", repo.url, cwd=tmp_path, cache=cache), "leaves"
    )


SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
type: Opaque
data:
  password: aHVudGVyMg==
stringData:
  token: s3cr3t-t0ken
"""


def test_secret_values_are_masked_unless_asked_for(tmp_path: Path) -> None:
    app = tmp_path / "plain" / "app"
    app.mkdir(parents=True)
    (app / "secret.yaml").write_text(
        SECRET + "---\n" + cm("settings") + "data:\n  plain: visible\n"
    )
    for output in ("yaml", "json"):
        done = run("app", "-o", output, cwd=tmp_path / "plain", cache=tmp_path / "cache")
        assert done.returncode == 0, done.stderr
        for value in ("aHVudGVyMg==", "s3cr3t-t0ken", "hunter2"):
            assert value not in done.stdout
        assert "password" in done.stdout and "token" in done.stdout  # keys stay visible
        assert "++++++++" in done.stdout
        assert "visible" in done.stdout  # the ConfigMap's data is left alone
    shown = run("app", "--show-secrets", cwd=tmp_path / "plain", cache=tmp_path / "cache")
    assert shown.returncode == 0, shown.stderr
    secret = next(d for d in yaml.safe_load_all(shown.stdout) if d["kind"] == "Secret")
    assert secret["data"] == {"password": "aHVudGVyMg=="}
    assert secret["stringData"] == {"token": "s3cr3t-t0ken"}
