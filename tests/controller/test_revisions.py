"""The controller's source -> SHA cache (gitsync/controller/revisions.py) against real Git
repositories: cached between polls, re-resolved when forced or marked stale, and the last
SHA kept (with the error) when a repository cannot be reached."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitsync.controller.revisions import Revisions
from gitsync.errors import GitsyncError
from gitsync.metrics import Metrics
from gitsync.model import Application, SourceKey
from gitsync.source import HelmRepoCache, RepoCache
from gitsync.source.localrepos import LocalRepoPolicy
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(tmp_path / "repos" / "apps", files={"web/cm.yaml": "a: 1\n"})


@pytest.fixture
def revisions(tmp_path: Path) -> Iterator[Revisions]:
    repos = RepoCache(tmp_path / "cache")
    charts = HelmRepoCache(None)
    policy = LocalRepoPolicy("https://example.invalid/root.git", [str(tmp_path / "repos")])
    try:
        yield Revisions(repos, charts, None, policy, Metrics())
    finally:
        repos.close()
        charts.close()


def _app(url: str, revision: str = "main", *, chart: str = "") -> Application:
    source = {"repoURL": url, "targetRevision": revision}
    source.update({"chart": chart} if chart else {"path": "web"})
    return Application.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {
                "source": source,
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
            },
        }
    )


def test_a_source_is_resolved_once_until_forced_or_marked_stale(
    revisions: Revisions, repo: GitRepo
) -> None:
    key = SourceKey(repo.url, "main")
    first = repo.head
    assert revisions.resolve(key, force=False) == first
    second = repo.commit(files={"web/cm.yaml": "a: 2\n"})
    assert revisions.resolve(key, force=False) == first  # a reconcile: the cached answer
    revisions.mark_stale([key])  # a push
    assert revisions.resolve(key, force=False) == second
    third = repo.commit(files={"web/cm.yaml": "a: 3\n"})
    assert revisions.resolve(key, force=False) == second  # no longer stale
    assert revisions.resolve(key, force=True) == third  # a poll


def test_an_unreachable_repository_keeps_the_last_revision_and_says_why(
    revisions: Revisions, repo: GitRepo
) -> None:
    key = SourceKey(repo.url, "main")
    known = revisions.resolve(key, force=False)
    assert revisions.errors_of([key]) == []
    shutil.rmtree(repo.path)
    assert revisions.resolve(key, force=True) == known
    (error,) = revisions.errors_of([key])
    assert error
    GitRepo.create(repo.path, files={"web/cm.yaml": "b: 1\n"})
    assert revisions.resolve(key, force=True) != known
    assert revisions.errors_of([key]) == []


def test_a_source_never_resolved_raises_and_keeps_the_error(
    revisions: Revisions, tmp_path: Path
) -> None:
    outside = GitRepo.create(tmp_path / "elsewhere")  # not under the allowed directory
    key = SourceKey(outside.url, "main")
    with pytest.raises(GitsyncError, match="allow-local-repos"):
        revisions.resolve(key, force=False)
    (error,) = revisions.errors_of([key])
    assert "allow-local-repos" in error


def test_an_app_is_wanted_at_a_revision_once_each_source_resolved(
    revisions: Revisions, repo: GitRepo
) -> None:
    app = _app(repo.url)
    assert revisions.wanted(app) is None
    for key in app.source_keys:
        revisions.resolve(key, force=False)
    assert revisions.wanted(app) == repo.head


def test_a_pin_resolves_in_the_apps_git_source_and_the_commit_reads_for_people(
    revisions: Revisions, repo: GitRepo
) -> None:
    first = repo.head
    repo.tag("v1")
    repo.commit(files={"web/cm.yaml": "a: 2\n"}, message="second change")
    app = _app(repo.url)
    assert revisions.resolve_pin(app, "v1") == first
    with pytest.raises(GitsyncError):
        revisions.resolve_pin(app, "no-such-tag")
    assert revisions.commit_summary(app, revisions.resolve(app.sources[0].key, force=False))
    assert "second change" in revisions.commit_summary(app, repo.head)
    assert revisions.commit_summary(_app("https://charts.invalid", "1.0", chart="web"), "1.0") == ""
