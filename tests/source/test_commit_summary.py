"""The commit summary shown beside an app's revision: subject, author and day, read once."""

from __future__ import annotations

from pathlib import Path

from gitsync.source import RepoCache
from tests.gitrepo import GitRepo


def test_commit_summary_names_subject_author_and_day(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files={"a.yaml": "x: 1\n"}, message="first")
    initial = repo.head
    second = repo.commit(files={"a.yaml": "x: 2\n"}, message="Raise x to 2\n\nbecause")
    cache = RepoCache(tmp_path / "cache")
    try:
        sha = cache.resolve(repo.url, "HEAD")
        assert sha == second
        summary = cache.commit_summary(repo.url, sha)
        subject, _, rest = summary.partition(" — ")
        assert subject == "Raise x to 2"
        author, _, day = rest.partition(", ")
        assert author and len(day) == len("2026-12-03")
        first = cache.commit_summary(repo.url, initial)
        assert first.startswith("first — ")
    finally:
        cache.close()
