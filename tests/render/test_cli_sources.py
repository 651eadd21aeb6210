"""`gitsync render` / `plan` as subprocesses: plugin sources and chart dependencies
either render what Argo CD would or exit 2 naming the cause, never an empty success."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.render import helm_available
from tests.gitrepo import GitRepo
from tests.render.helpers import cm
from tests.render.test_cli import assert_one_line_error

PLUGIN = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "ConfigManagementPlugin",
    "metadata": {"name": "envsubst"},
    "spec": {
        "version": "v1",
        "generate": {
            "command": ["sh", "-c"],
            "args": ['sed "s/NAME/$ARGOCD_ENV_NAME/" template.txt'],
        },
    },
}


def gitsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GITSYNC_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def application(repo_url: str, source: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "shop"},
            "spec": {
                "project": "default",
                "source": {"repoURL": repo_url, "targetRevision": "HEAD", **source},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            },
        }
    )


def test_plugin_source_renders_with_plugin_and_fails_without(tmp_path: Path) -> None:
    template = cm("NAME")
    repo = GitRepo.create(
        tmp_path / "repo",
        files={"apps/shop/template.txt": template, "apps/shop/plain.yaml": cm("plain")},
    )
    plugin_env = {"name": "envsubst-v1", "env": [{"name": "NAME", "value": "from-plugin"}]}
    app = tmp_path / "app.yaml"
    app.write_text(application(repo.url, {"path": "apps/shop", "plugin": plugin_env}))
    plugin = tmp_path / "plugin.yaml"
    plugin.write_text(yaml.safe_dump(PLUGIN))

    done = gitsync("render", "--application", str(app), "--plugin", str(plugin), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(done.stdout)] == ["from-plugin"]

    # Without the plugin: exit 2 naming it, for render and for plan (no "nothing to sync").
    for command in ("render", "plan"):
        done = gitsync(command, "--application", str(app), cwd=tmp_path)
        assert_one_line_error(done, "config management plugin 'envsubst-v1' is not configured")

    app.write_text(application(repo.url, {"path": "apps/shop", "plugin": {}}))
    assert_one_line_error(
        gitsync("plan", "--application", str(app), cwd=tmp_path), "none is configured"
    )

    # Without --application the plugin learns the app's name from PATH (as `plan` names it).
    done = gitsync("render", "apps/shop", "--repo", repo.url, "--plugin", str(plugin), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(done.stdout)] == ["plain"]
    named = dict(PLUGIN, metadata={"name": "named"})
    named["spec"] = {
        "generate": {"command": ["sh", "-c", "sed s/NAME/$ARGOCD_APP_NAME/ template.txt"]},
        "discover": {"fileName": "template.txt"},
    }
    plugin.write_text(yaml.safe_dump(named))
    done = gitsync("render", "apps/shop", "--repo", repo.url, "--plugin", str(plugin), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(done.stdout)] == ["shop"]

    plugin.write_text("kind: Nope\n")
    assert_one_line_error(
        gitsync("render", "apps/shop", "--repo", repo.url, "--plugin", str(plugin), cwd=tmp_path),
        "expected kind ConfigManagementPlugin",
    )


def test_unsupported_source_field_is_an_error(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files={"apps/shop/cm.yaml": cm("a")})
    app = tmp_path / "app.yaml"
    source = {"path": "apps/shop", "kustomize": {"patches": [{"patch": "x"}]}}
    app.write_text(application(repo.url, source))
    assert_one_line_error(
        gitsync("render", "--application", str(app), cwd=tmp_path),
        "spec.source.kustomize.patches is not supported",
    )


@pytest.mark.skipif(not helm_available(), reason="rendering needs helm-python-sdk or helm")
def test_chart_with_unreachable_dependency_exits_2(tmp_path: Path) -> None:
    chart = {
        "apiVersion": "v2",
        "name": "shop",
        "version": "0.1.0",
        "dependencies": [
            {"name": "redis", "version": "^17.0.0", "repository": "http://127.0.0.1:9/charts"}
        ],
    }
    repo = GitRepo.create(
        tmp_path / "repo",
        files={
            "charts/shop/Chart.yaml": yaml.safe_dump(chart),
            "charts/shop/templates/cm.yaml": cm("shop"),
        },
    )
    done = gitsync("render", "charts/shop", "--repo", repo.url, cwd=tmp_path)
    assert_one_line_error(
        done, "chart charts/shop: dependency redis from http://127.0.0.1:9/charts: cannot fetch"
    )
