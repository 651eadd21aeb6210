from __future__ import annotations

import os

import pytest

from gitsync.push.repourl import normalize_repo_url, same_repo

SAME_AS_GITHUB = [
    "https://github.com/org/repo",
    "https://github.com/org/repo.git",
    "https://github.com/org/repo/",
    "http://github.com/org/repo",
    "HTTPS://GitHub.com/Org/Repo.GIT",
    "https://user@github.com/org/repo",
    "https://user:pass@github.com:443/org/repo.git",
    "git@github.com:org/repo.git",
    "git@github.com:org/repo",
    "github.com:org/repo.git",
    "ssh://git@github.com/org/repo.git",
    "ssh://git@ssh.github.com:443/org/repo",
    "ssh://git@altssh.github.com:443/org/repo.git",
    "git://github.com/org/repo.git",
    "  https://github.com/org/repo  ",
]


@pytest.mark.parametrize("url", SAME_AS_GITHUB)
def test_forms_of_one_remote_repo_normalise_alike(url: str) -> None:
    assert normalize_repo_url(url) == "github.com/org/repo"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "ssh://git@bitbucket.example.com:7999/ops/cluster-config.git",
            "bitbucket.example.com/ops/cluster-config",
        ),
        (
            "https://gitlab.example.com/infra/platform/deploy",
            "gitlab.example.com/infra/platform/deploy",
        ),
        (
            "git@gitlab.example.com:infra/platform/deploy.git",
            "gitlab.example.com/infra/platform/deploy",
        ),
    ],
)
def test_nested_groups_and_ports(url: str, expected: str) -> None:
    assert normalize_repo_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://github.com/org/repo", "https://github.com/org/repo2"),
        ("https://github.com/org/repo", "https://github.com/other/repo"),
        ("https://github.com/org/repo", "https://gitlab.com/org/repo"),
        ("https://github.com/org/repo", "https://github.com/org/repo/sub"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.github"),
        ("https://github.com/org/repo", "file:///org/repo"),
    ],
)
def test_different_repos_stay_different(a: str, b: str) -> None:
    assert not same_repo(a, b)


@pytest.mark.parametrize(
    "url",
    [
        "file:///srv/git/deploy",
        "file:///srv/git/deploy.git",
        "file:///srv/git/deploy/",
        "file:///srv/git/./other/../deploy",
        "file:///srv/git/deploy/.git",
        "/srv/git/deploy",
        "/srv/git/deploy.git",
        "/srv//git/deploy/",
        "file://localhost/srv/git/deploy",
    ],
)
def test_local_forms_normalise_to_one_file_url(url: str) -> None:
    assert normalize_repo_url(url) == "file:///srv/git/deploy"


def test_local_paths_keep_their_case() -> None:
    assert not same_repo("/srv/git/Deploy", "/srv/git/deploy")


def test_relative_local_path_is_made_absolute(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert normalize_repo_url("./repo") == f"file://{os.fspath(tmp_path)}/repo"
    assert same_repo("./repo", f"file://{os.fspath(tmp_path)}/repo.git")


def test_symlinks_are_not_resolved(tmp_path: os.PathLike[str]) -> None:
    real = os.path.join(tmp_path, "real")
    link = os.path.join(tmp_path, "link")
    os.mkdir(real)
    os.symlink(real, link)
    assert not same_repo(real, link)
