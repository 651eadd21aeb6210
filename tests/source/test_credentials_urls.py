"""Credentials become git environment without leaking; URL normalisation and paths."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gitsync.errors import SourceError
from gitsync.source import (
    Credentials,
    clean_path,
    helm_credentials_from_env,
    normalize_repo_url,
    redact_url,
)


def test_token_goes_in_a_scoped_header_not_the_url() -> None:
    creds = Credentials.from_env({"GITSYNC_GIT_TOKEN": "t0ken"})
    env = creds.git_env("https://git.example.com/org/repo.git")
    assert env["GIT_CONFIG_KEY_0"] == "http.https://git.example.com/.extraHeader"
    encoded = env["GIT_CONFIG_VALUE_0"].removeprefix("Authorization: Basic ")
    assert base64.b64decode(encoded).decode() == "x-access-token:t0ken"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert "t0ken" not in repr(creds)


def test_credentials_file_per_host_and_ssh(tmp_path: Path) -> None:
    secrets = tmp_path / "creds"
    secrets.write_text("# comment\nhttps://bot:s%40cret@git.example.com\n")
    creds = Credentials.from_env(
        {
            "GITSYNC_GIT_CREDENTIALS_FILE": str(secrets),
            "GITSYNC_GIT_USERNAME": "u",
            "GITSYNC_GIT_PASSWORD": "p",
            "GITSYNC_GIT_SSH_KEY_FILE": "/keys/id",
            "GITSYNC_GIT_KNOWN_HOSTS_FILE": "/keys/known",
        }
    )
    assert creds.basic_auth_for("https://git.example.com/a/b") == ("bot", "s@cret")
    assert creds.basic_auth_for("https://other.example.com/a/b") == ("u", "p")
    ssh = creds.git_env("git@github.com:org/repo.git")["GIT_SSH_COMMAND"]
    assert "-i /keys/id" in ssh and "UserKnownHostsFile=/keys/known" in ssh
    assert "GIT_CONFIG_COUNT" not in creds.git_env(str(tmp_path))
    secrets.write_text("https://nopassword@host\n")
    with pytest.raises(SourceError, match=":1: expected") as info:
        Credentials.from_env({"GITSYNC_GIT_CREDENTIALS_FILE": str(secrets)})
    assert "nopassword" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/Org/Repo",
        "https://github.com/org/repo.git",
        "git@github.com:org/repo.git",
        "ssh://git@ssh.github.com:443/org/repo",
        "https://user@github.com:443/org/repo/",
    ],
)
def test_normalize_repo_url(url: str) -> None:
    assert normalize_repo_url(url) == "github.com/org/repo"


def test_local_urls_and_redaction() -> None:
    assert normalize_repo_url("file:///srv/git/repo.git") == "file:///srv/git/repo"
    assert normalize_repo_url("/srv/git/repo/.git") == "file:///srv/git/repo"
    assert redact_url("fatal: https://me:pw@host/x failed") == "fatal: https://***@host/x failed"


@pytest.mark.parametrize("bad", ["..", "../x", "a/../../x", "/etc/passwd", "a\x00b"])
def test_clean_path_refuses_escapes(bad: str) -> None:
    with pytest.raises(SourceError):
        clean_path(bad)


def test_clean_path_normalises() -> None:
    assert clean_path("./a//b/../c/") == "a/c"
    assert clean_path("") == clean_path(".") == ""


def test_chart_repositories_get_only_their_own_credentials(tmp_path: Path) -> None:
    lines = tmp_path / "helm-credentials"
    lines.write_text("https://robot:chart-secret@charts.example.com\n")
    env = {"GITSYNC_GIT_TOKEN": "git-secret", "GITSYNC_HELM_CREDENTIALS_FILE": str(lines)}
    helm = helm_credentials_from_env(env)
    assert helm.basic_auth_for("https://charts.example.com/stable") == ("robot", "chart-secret")
    assert helm.basic_auth_for("https://other.example.com") is None  # not git's token
    assert helm_credentials_from_env({"GITSYNC_GIT_TOKEN": "git-secret"}).per_host == {}
    assert "chart-secret" not in repr(helm)
