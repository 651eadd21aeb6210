"""Which Applications a push refreshes."""

from __future__ import annotations

import yaml

from gitsync.controller.push import apps_for_push, root_matches_push
from gitsync.model import Application
from gitsync.push.payloads import PushEvent

APPS = yaml.safe_load_all("""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  source: {repoURL: https://github.com/org/repo.git, path: apps/web}
  destination: {server: https://kubernetes.default.svc}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  annotations: {argocd.argoproj.io/manifest-generate-paths: .;/shared}
spec:
  source: {repoURL: git@github.com:org/repo, path: apps/api, targetRevision: main}
  destination: {server: https://kubernetes.default.svc}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: release}
spec:
  source: {repoURL: https://github.com/org/repo, path: apps/web, targetRevision: release}
  destination: {server: https://kubernetes.default.svc}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: elsewhere}
spec:
  source: {repoURL: https://github.com/org/other, path: apps/web}
  destination: {server: https://kubernetes.default.svc}
""")
APPLICATIONS = [Application.from_object(doc) for doc in APPS]


def _push(branch: str, changed: set[str] | None) -> PushEvent:
    return PushEvent(
        provider="github",
        repo_urls=("https://github.com/Org/Repo",),
        branch=branch,
        changed_files=frozenset(changed) if changed is not None else None,
        default_branch="main",
    )


def _names(event: PushEvent) -> list[str]:
    return [a.name for a in apps_for_push(APPLICATIONS, event)]


def test_default_branch_push_matches_same_repo_apps_on_head_and_main() -> None:
    assert _names(_push("main", {"apps/api/x.yaml"})) == ["api", "web"]


def test_manifest_generate_paths_filter_changed_files() -> None:
    assert _names(_push("main", {"apps/web/deploy.yaml"})) == ["web"]
    assert _names(_push("main", {"shared/lib.yaml"})) == ["api", "web"]


def test_unknown_changed_files_refresh_every_app_on_the_branch() -> None:
    assert _names(_push("main", None)) == ["api", "web"]


def test_other_branch_matches_only_apps_following_it() -> None:
    assert _names(_push("release", {"apps/web/a.yaml"})) == ["release"]


def test_root_matching() -> None:
    event = _push("main", {"root/appset.yaml"})
    assert root_matches_push("https://github.com/org/repo", "HEAD", "root", event)
    assert not root_matches_push("https://github.com/org/other", "HEAD", "root", event)
