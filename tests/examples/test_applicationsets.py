"""The ApplicationSet examples in applicationsets/, expanded by `gitsync appset generate`
(a real subprocess) against real Git repositories laid out the way each example expects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from gitsync.appset.rollingsync import parse_strategy
from tests.gitrepo import GitRepo

EXAMPLES = Path(__file__).resolve().parents[2] / "applicationsets"

CLUSTERS = [
    {"name": "staging", "server": "https://staging.k8s.example.com", "labels": {"env": "staging"}},
    {
        "name": "production",
        "server": "https://prod.k8s.example.com",
        "labels": {"env": "production"},
    },
    {"name": "sandbox", "server": "https://sandbox.k8s.example.com", "labels": {"env": "dev"}},
]

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {}\n"


def _generate(example: str, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    return _generate_path(EXAMPLES / example, tmp_path, *args)


def _generate_path(path: Path, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    env = {**os.environ, "GITSYNC_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "gitsync", "appset", "generate", str(path), *args]
    result = subprocess.run(
        [*command, "-o", "json"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    objects: list[dict[str, Any]] = json.loads(result.stdout)
    return objects


def _clusters_file(tmp_path: Path) -> str:
    path = tmp_path / "clusters.yaml"
    path.write_text(yaml.safe_dump(CLUSTERS))
    return str(path)


def _summary(app: dict[str, Any]) -> tuple[str, str, str, str]:
    spec = app["spec"]
    return (
        app["metadata"]["name"],
        spec["source"]["path"],
        spec["destination"]["server"],
        spec["destination"]["namespace"],
    )


def test_every_example_is_a_valid_argo_document() -> None:
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    assert names == ["app-of-apps.yaml", "git-files.yaml", "list.yaml", "monorepo-matrix.yaml"]
    for path in EXAMPLES.glob("*.yaml"):
        (doc,) = [d for d in yaml.safe_load_all(path.read_text()) if d]
        assert doc["apiVersion"] == "argoproj.io/v1alpha1", path.name


def test_monorepo_matrix_crosses_service_directories_with_clusters(tmp_path: Path) -> None:
    repo = GitRepo.create(
        tmp_path / "monorepo",
        files={
            "apps/orders/deploy.yaml": CONFIG_MAP,
            "apps/billing/deploy.yaml": CONFIG_MAP,
            "apps/.hidden/deploy.yaml": CONFIG_MAP,
            "docs/README.md": "not an app\n",
        },
    )
    apps = _generate(
        "monorepo-matrix.yaml", tmp_path, "--repo", repo.url, "--clusters", _clusters_file(tmp_path)
    )
    assert [_summary(a) for a in apps] == [
        ("billing-production", "apps/billing", "https://prod.k8s.example.com", "billing"),
        ("billing-staging", "apps/billing", "https://staging.k8s.example.com", "billing"),
        ("orders-production", "apps/orders", "https://prod.k8s.example.com", "orders"),
        ("orders-staging", "apps/orders", "https://staging.k8s.example.com", "orders"),
    ]
    policy = apps[0]["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in policy["syncOptions"]
    assert apps[0]["metadata"]["labels"] == {"service": "billing", "cluster": "production"}


def test_monorepo_matrix_follows_a_new_commit(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "monorepo", files={"apps/orders/deploy.yaml": CONFIG_MAP})
    repo.commit(files={"apps/web/deploy.yaml": CONFIG_MAP}, message="add web")
    apps = _generate(
        "monorepo-matrix.yaml", tmp_path, "--repo", repo.url, "--clusters", _clusters_file(tmp_path)
    )
    assert [a["metadata"]["name"] for a in apps] == [
        "orders-production",
        "orders-staging",
        "web-production",
        "web-staging",
    ]


def test_list_generates_one_application_per_environment(tmp_path: Path) -> None:
    apps = _generate("list.yaml", tmp_path)
    assert [_summary(a) for a in apps] == [
        ("guestbook-dev", "envs/dev", "https://dev.k8s.example.com", "guestbook-dev"),
        ("guestbook-production", "envs/production", "https://prod.k8s.example.com",
         "guestbook-production"),
        ("guestbook-staging", "envs/staging", "https://staging.k8s.example.com",
         "guestbook-staging"),
    ]  # fmt: skip
    revisions = {a["metadata"]["name"]: a["spec"]["source"]["targetRevision"] for a in apps}
    assert revisions["guestbook-production"] == "v1.4.2"
    assert revisions["guestbook-dev"] == "main"
    strategy = yaml.safe_load((EXAMPLES / "list.yaml").read_text())["spec"]["strategy"]
    rolling = parse_strategy(strategy)
    assert rolling is not None
    steps = {a["metadata"]["name"]: rolling.step_of(a["metadata"]["labels"]) for a in apps}
    assert steps == {"guestbook-dev": 1, "guestbook-staging": 2, "guestbook-production": 3}


def _config(name: str, address: str, release: str) -> str:
    return json.dumps({"cluster": {"name": name, "address": address}, "release": release})


def test_git_files_generates_one_application_per_config_file(tmp_path: Path) -> None:
    repo = GitRepo.create(
        tmp_path / "shop",
        files={
            "config/eu-west/config.json": _config(
                "eu-west", "https://eu.k8s.example.com", "stable"
            ),
            "config/us-east/config.json": _config(
                "us-east", "https://us.k8s.example.com", "canary"
            ),
            "config/us-east/notes.json": _config("ignored", "https://x.example.com", "none"),
            "releases/stable/cm.yaml": CONFIG_MAP,
        },
    )
    apps = _generate("git-files.yaml", tmp_path, "--repo", repo.url)
    assert [_summary(a) for a in apps] == [
        ("shop-eu-west", "releases/stable", "https://eu.k8s.example.com", "shop"),
        ("shop-us-east", "releases/canary", "https://us.k8s.example.com", "shop"),
    ]
    assert apps[1]["metadata"]["labels"] == {"release": "canary"}


def _child(name: str, path: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {
                "project": "default",
                "source": {"repoURL": "https://git.example.com/platform/apps.git", "path": path},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
            },
        }
    )


def test_app_of_apps_points_at_a_directory_of_applications(tmp_path: Path) -> None:
    (root,) = _generate("app-of-apps.yaml", tmp_path)
    assert _summary(root) == ("root", "apps", "https://kubernetes.default.svc", "argocd")
    assert root["spec"]["source"]["directory"]["recurse"] is True

    # The directory it points at: the children are generated (passed through) from the
    # repository at the root Application's path.
    repo = GitRepo.create(
        tmp_path / "apps-repo",
        files={
            "apps/orders.yaml": _child("orders", "services/orders"),
            "apps/team-b/billing.yaml": _child("billing", "services/billing"),
        },
    )
    children = _generate_path(repo.path / "apps", tmp_path)
    assert [_summary(c) for c in children] == [
        ("billing", "services/billing", "https://kubernetes.default.svc", "billing"),
        ("orders", "services/orders", "https://kubernetes.default.svc", "orders"),
    ]
