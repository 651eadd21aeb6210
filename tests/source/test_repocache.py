"""RepoCache against real Git repositories in a temp dir."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gitsync.errors import SourceError
from gitsync.source import RepoCache
from tests.gitrepo import GitRepo, Symlink

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(
        tmp_path / "repo",
        files={"apps/a/cm.yaml": CM.format(name="a"), "apps/b/cm.yaml": CM.format(name="b")},
    )


@pytest.fixture
def cache(tmp_path: Path) -> RepoCache:
    return RepoCache(tmp_path / "cache")


def test_head_branch_tag_and_shas_resolve(repo: GitRepo, cache: RepoCache) -> None:
    first = repo.head
    repo.tag("v1")
    repo.tag("v1-annotated", message="release 1")
    second = repo.commit(files={"apps/a/cm.yaml": CM.format(name="a2")})
    repo.branch("old", at=first)

    assert cache.resolve(repo.url) == second
    assert cache.resolve(repo.url, "main") == second
    assert cache.resolve(repo.url, "refs/heads/main") == second
    assert cache.resolve(repo.url, "old") == first
    assert cache.resolve(repo.url, "v1") == first
    assert cache.resolve(repo.url, "v1-annotated") == first  # peeled to the commit
    assert cache.resolve(repo.url, first) == first
    assert cache.resolve(repo.url, first[:8]) == first
    assert cache.resolve(str(repo.path), "main") == second  # a plain path works too


def test_nothing_changed_costs_one_ls_remote_and_no_fetch(repo: GitRepo, cache: RepoCache) -> None:
    sha = cache.resolve(repo.url, "main")
    fetches = cache.stats.fetch
    ls_remotes = cache.stats.ls_remote
    assert cache.resolve(repo.url, "main") == sha
    assert cache.resolve(repo.url, "HEAD") == sha
    assert cache.stats.fetch == fetches
    assert cache.stats.ls_remote == ls_remotes + 2
    assert cache.resolve(repo.url, sha) == sha  # a known full SHA needs no round trip
    assert cache.stats.ls_remote == ls_remotes + 2


def test_new_commit_is_detected_with_one_fetch(repo: GitRepo, cache: RepoCache) -> None:
    old = cache.resolve(repo.url, "main")
    fetches = cache.stats.fetch
    new = repo.commit(files={"apps/a/cm.yaml": CM.format(name="changed")}, delete=[])
    assert cache.resolve(repo.url, "main") == new != old
    assert cache.stats.fetch == fetches + 1
    assert b"changed" in cache.tree(repo.url, new).read_bytes("apps/a/cm.yaml")
    assert b"name: a\n" in cache.tree(repo.url, old).read_bytes("apps/a/cm.yaml")
    assert cache.changed_files(repo.url, old, new) == ["apps/a/cm.yaml"]


def test_mirror_is_reused_by_a_new_cache(repo: GitRepo, tmp_path: Path) -> None:
    sha = RepoCache(tmp_path / "cache").resolve(repo.url)
    again = RepoCache(tmp_path / "cache")
    assert again.resolve(repo.url) == sha
    assert again.stats.fetch == 0


def test_tree_listing_and_reads(repo: GitRepo, cache: RepoCache) -> None:
    tree = cache.tree(repo.url, cache.resolve(repo.url))
    assert tree.list_dir("apps") == [("a", True), ("b", True)]
    assert list(tree.walk_files("")) == ["apps/a/cm.yaml", "apps/b/cm.yaml"]
    assert tree.is_dir("apps/a") and not tree.is_file("apps/a")
    assert tree.is_file("apps/./a/cm.yaml")
    assert not tree.is_file("apps/a/missing.yaml")
    assert tree.read_bytes("apps/b/cm.yaml") == CM.format(name="b").encode()


def test_unknown_revision_is_one_clear_line(repo: GitRepo, cache: RepoCache) -> None:
    for revision in ("no-such-branch", "deadbeef", "0" * 40):
        with pytest.raises(SourceError) as info:
            cache.resolve(repo.url, revision)
        message = str(info.value)
        assert "\n" not in message
        assert f"revision '{revision}' not found" in message


def test_unreachable_repository_is_one_clear_line(tmp_path: Path, cache: RepoCache) -> None:
    with pytest.raises(SourceError) as info:
        cache.resolve((tmp_path / "nowhere").as_uri())
    message = str(info.value)
    assert "\n" not in message and "cannot reach repository" in message


def test_credentials_never_appear_in_errors(tmp_path: Path) -> None:
    cache = RepoCache(tmp_path / "cache", timeout=10)
    with pytest.raises(SourceError) as info:
        cache.resolve("http://user:s3cret@127.0.0.1:9/repo.git")
    assert "s3cret" not in str(info.value)


def test_paths_leaving_the_repository_are_refused(tmp_path: Path, cache: RepoCache) -> None:
    repo = GitRepo.create(
        tmp_path / "repo",
        files={
            "apps/a/cm.yaml": CM.format(name="a"),
            "apps/a/inside.yaml": Symlink("../b/cm.yaml"),
            "apps/a/outside.yaml": Symlink("../../../etc/passwd"),
            "apps/a/absolute.yaml": Symlink("/etc/passwd"),
            "apps/b/cm.yaml": CM.format(name="b"),
            "apps/linked": Symlink("b"),
        },
    )
    tree = cache.tree(repo.url, cache.resolve(repo.url))
    assert tree.read_bytes("apps/a/inside.yaml") == CM.format(name="b").encode()
    assert tree.read_bytes("apps/linked/cm.yaml") == CM.format(name="b").encode()
    for bad in ("../etc/passwd", "apps/../../x", "/etc/passwd"):
        with pytest.raises(SourceError):
            tree.read_bytes(bad)
    for link in ("apps/a/outside.yaml", "apps/a/absolute.yaml"):
        with pytest.raises(SourceError, match="points outside"):
            tree.read_bytes(link)
    with pytest.raises(SourceError, match="points outside"):
        tree.list_dir("apps/a")


def test_concurrent_reads_while_a_fetch_runs(repo: GitRepo, cache: RepoCache) -> None:
    first = cache.resolve(repo.url)
    tree = cache.tree(repo.url, first)
    errors: list[BaseException] = []
    results: dict[str, set[bytes]] = {"a": set(), "b": set()}
    stop = threading.Event()

    def read(app: str) -> None:
        try:
            while not stop.is_set():
                results[app].add(tree.read_bytes(f"apps/{app}/cm.yaml"))
        except BaseException as err:
            errors.append(err)

    readers = [threading.Thread(target=read, args=(app,)) for app in ("a", "b")]
    for thread in readers:
        thread.start()
    try:
        for number in range(3):
            repo.commit(files={f"apps/c/cm{number}.yaml": CM.format(name=f"c{number}")})
            new = cache.resolve(repo.url)  # fetches while the readers run
            assert cache.tree(repo.url, new).is_file(f"apps/c/cm{number}.yaml")
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not errors
    assert results == {"a": {CM.format(name="a").encode()}, "b": {CM.format(name="b").encode()}}
    assert cache.stats.fetch == 4


def test_a_commit_seen_while_a_fetch_runs_waits_for_the_fetch(
    repo: GitRepo, cache: RepoCache
) -> None:
    # A fetch writes a commit before its trees: a commit found mid-fetch is not yet
    # readable, so a resolve waits for the running fetch rather than trust it.
    sha = cache.resolve(repo.url)
    mirror = cache._mirror(repo.url)
    resolved: list[str] = []
    with mirror.fetch_lock:  # as a fetch by another thread holds it
        waiting = threading.Thread(target=lambda: resolved.append(cache.resolve(repo.url, sha)))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and not resolved
    waiting.join(timeout=30)
    assert resolved == [sha]
