"""The git generator over a real repository through RepoCache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitsync.appset import expand, repo_tree_provider
from gitsync.model import ApplicationSet
from gitsync.source import RepoCache
from tests.gitrepo import GitRepo


def _appset(url: str) -> ApplicationSet:
    obj: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "mono", "namespace": "argocd"},
        "spec": {
            "generators": [
                {"git": {"repoURL": url, "revision": "main", "directories": [{"path": "apps/*"}]}}
            ],
            "template": {
                "metadata": {"name": "{{path.basename}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": url, "path": "{{path}}", "targetRevision": "main"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                },
            },
        },
    }
    return ApplicationSet.from_object(obj)


def test_new_directory_appears_after_a_commit(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files={"apps/web/cm.yaml": "kind: ConfigMap\n"})
    appset = _appset(repo.url)
    cache = RepoCache(tmp_path / "cache")
    try:
        first = expand(appset, trees=repo_tree_provider(cache), clusters=[])
        assert [a.name for a in first] == ["web"]
        repo.commit(files={"apps/api/cm.yaml": "kind: ConfigMap\n"}, message="add api")
        # A new provider per reconcile: it resolves "main" again and sees the new commit.
        second = expand(appset, trees=repo_tree_provider(cache), clusters=[])
        assert [a.name for a in second] == ["api", "web"]
        assert second[0].source.path == "apps/api"
    finally:
        cache.close()
