"""`--project FILE` with `--application`: the AppProject's rules hold on the CLI as in the
controller (subprocesses against the embedded API server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.sim import SimCluster
from tests.gitrepo import GitRepo
from tests.sync.e2e import configmap, gitsync


def _application(repo_url: str, namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": {
            "project": "team-a",
            "source": {"repoURL": repo_url, "targetRevision": "HEAD", "path": "apps/web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        },
    }


def _project(**spec: Any) -> dict[str, Any]:
    base = {
        "sourceRepos": ["*"],
        "destinations": [{"server": "*", "namespace": "shop"}],
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team-a", "namespace": "argocd"},
        "spec": {**base, **spec},
    }


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    settings = configmap("settings")
    settings["metadata"].pop("namespace", None)
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "web-reader"},
        "rules": [],
    }
    files = {
        "apps/web/settings.yaml": yaml.safe_dump(settings),
        "apps/other/role.yaml": yaml.safe_dump(role),
    }
    return GitRepo.create(tmp_path / "repo", files=files)


def _files(tmp_path: Path, app: dict[str, Any], project: dict[str, Any]) -> tuple[str, str]:
    app_file = tmp_path / "app.yaml"
    app_file.write_text(yaml.safe_dump(app))
    project_file = tmp_path / "project.yaml"
    project_file.write_text(yaml.safe_dump(project))
    return str(app_file), str(project_file)


def test_a_permitted_app_plans(repo: GitRepo, tmp_path: Path) -> None:
    app, project = _files(tmp_path, _application(repo.url), _project())
    done = gitsync("plan", "--application", app, "--project", project)
    assert done.returncode == 0, done.stderr
    assert "settings" in done.stdout


def test_a_forbidden_destination_is_refused_with_the_rule(repo: GitRepo, tmp_path: Path) -> None:
    app, project = _files(tmp_path, _application(repo.url, "kube-system"), _project())
    done = gitsync("plan", "--application", app, "--project", project)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "does not permit destination" in done.stderr
    assert "(destinations)" in done.stderr


def test_a_forbidden_kind_is_refused_before_anything_is_applied(
    sim: SimCluster, repo: GitRepo, tmp_path: Path
) -> None:
    application = _application(repo.url)
    application["spec"]["source"]["path"] = "apps/other"
    app, project = _files(tmp_path, application, _project())
    done = gitsync("sync", "--application", app, "--project", project,
                   "--kubeconfig", str(sim.kubeconfig))  # fmt: skip
    assert done.returncode == 2
    assert "ClusterRole/web-reader" in done.stderr
    assert "clusterResourceWhitelist" in done.stderr
    assert not [r for r in sim.requests if r.is_write]


def test_a_deny_window_blocks_a_manual_sync_unless_it_allows_manual_syncs(
    sim: SimCluster, repo: GitRepo, tmp_path: Path
) -> None:
    window = {"kind": "deny", "schedule": "* * * * *", "duration": "1h", "applications": ["*"]}
    app, project = _files(tmp_path, _application(repo.url), _project(syncWindows=[window]))
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    kube = ("--kubeconfig", str(sim.kubeconfig), "--wave-delay", "0")
    blocked = gitsync("sync", "--application", app, "--project", project, *kube)
    assert blocked.returncode == 2
    assert "sync blocked by project 'team-a': deny window" in blocked.stderr
    assert " until " in blocked.stderr
    assert sim.get_object("v1", "ConfigMap", "shop", "settings") is None

    window["manualSync"] = True
    app, project = _files(tmp_path, _application(repo.url), _project(syncWindows=[window]))
    allowed = gitsync("sync", "--application", app, "--project", project, *kube)
    assert allowed.returncode == 0, allowed.stderr
    assert sim.get_object("v1", "ConfigMap", "shop", "settings") is not None


def test_project_needs_an_application(repo: GitRepo, tmp_path: Path) -> None:
    _, project = _files(tmp_path, _application(repo.url), _project())
    done = gitsync("plan", "apps/web", "--project", project)
    assert done.returncode == 2
    assert "--project goes with --application" in done.stderr


def test_an_app_naming_a_missing_project_is_refused(repo: GitRepo, tmp_path: Path) -> None:
    other = _project()
    other["metadata"]["name"] = "team-b"
    app, project = _files(tmp_path, _application(repo.url), other)
    done = gitsync("plan", "--application", app, "--project", project)
    assert done.returncode == 2
    assert "project 'team-a', which does not exist" in done.stderr
