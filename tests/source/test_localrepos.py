"""Which local repositories `serve` may read: the root, the allowed directories, no other."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitsync.source.localrepos import LocalRepoPolicy, LocalRepoRefused


def test_remote_urls_pass(tmp_path: Path) -> None:
    policy = LocalRepoPolicy(str(tmp_path / "root"))
    for url in (
        "https://github.com/org/repo.git",
        "ssh://git@host/org/repo",
        "git@github.com:org/repo.git",
        "git://host/repo",
    ):
        policy.check(url)


def test_the_root_repository_in_any_spelling(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    policy = LocalRepoPolicy(str(root))
    for url in (str(root), root.as_uri(), f"{root}/", f"{root}.git", f"{root}/sub/.."):
        policy.check(url)
    policy = LocalRepoPolicy(root.as_uri())
    policy.check(str(root))


@pytest.mark.parametrize(
    "url", ["/", "/etc", "file:///etc", "file:///", "relative/dir", "./x", "~", "../root-sibling"]
)
def test_other_local_paths_are_refused_naming_the_rule(tmp_path: Path, url: str) -> None:
    policy = LocalRepoPolicy("https://github.com/org/root")
    with pytest.raises(LocalRepoRefused, match="--allow-local-repos"):
        policy.check(url)


def test_a_sibling_of_the_root_is_not_the_root(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root-other").mkdir()
    policy = LocalRepoPolicy(str(tmp_path / "root"))
    for url in (str(tmp_path / "root-other"), str(tmp_path), str(tmp_path / "root" / "inner")):
        with pytest.raises(LocalRepoRefused):
            policy.check(url)


def test_allowed_directories_and_what_is_below_them(tmp_path: Path) -> None:
    allowed = tmp_path / "repos"
    (allowed / "a").mkdir(parents=True)
    policy = LocalRepoPolicy("https://example.com/root", [str(allowed)])
    policy.check(str(allowed / "a"))
    policy.check((allowed / "b.git").as_uri())
    policy.check(str(allowed))
    for url in (str(tmp_path / "repos-evil"), f"{allowed}/../elsewhere", "/etc"):
        with pytest.raises(LocalRepoRefused):
            policy.check(url)


def test_a_symlink_out_of_an_allowed_directory_is_judged_by_its_target(tmp_path: Path) -> None:
    allowed = tmp_path / "repos"
    allowed.mkdir()
    secret = tmp_path / "secret"
    secret.mkdir()
    os.symlink(secret, allowed / "link")
    policy = LocalRepoPolicy("https://example.com/root", [str(allowed)])
    with pytest.raises(LocalRepoRefused):
        policy.check(str(allowed / "link"))


@pytest.mark.parametrize("url", ["ext::sh -c touch% /tmp/pwned", "fd::17", "EXT::x"])
def test_git_transport_helpers_are_refused(tmp_path: Path, url: str) -> None:
    policy = LocalRepoPolicy(str(tmp_path), ["/"])
    with pytest.raises(LocalRepoRefused, match="transport"):
        policy.check(url)


def test_guard_checks_before_providing(tmp_path: Path) -> None:
    calls: list[str] = []

    def provide(url: str, revision: str) -> str:
        calls.append(url)
        return url

    guarded = LocalRepoPolicy(str(tmp_path)).guard(provide)
    assert guarded("https://example.com/x", "HEAD") == "https://example.com/x"
    with pytest.raises(LocalRepoRefused):
        guarded("/etc", "HEAD")
    assert calls == ["https://example.com/x"]
