"""Argo CD repository Secrets: parsing and URL matching from a YAML table, the files git
gets for ssh keys, and that no secret shows in a repr or in git's argv."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.source.credentials import Credentials
from gitsync.source.gitauth import SecretCredentials, git_env_for
from gitsync.source.repocreds import (
    RepoCredential,
    known_hosts_from_configmap,
    parse_secrets,
)

FIXTURE = Path(__file__).parent.parent / "fixtures" / "repocreds" / "cases.yaml"
TABLE: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())
PARSED = parse_secrets(TABLE["secrets"])


def _label(case: dict[str, Any]) -> str:
    return f"{case.get('kind') or 'any'}:{case['url']}"


@pytest.mark.parametrize("case", TABLE["lookups"], ids=_label)
def test_lookup(case: dict[str, Any]) -> None:
    found = PARSED.for_url(case["url"], case.get("kind"))
    if case["expected"] is None:
        assert found is None
        return
    assert found is not None
    assert found.secret == case["expected"]
    assert found.username == case["user"]


def test_bad_secrets_are_skipped_with_a_problem_naming_only_the_secret() -> None:
    assert list(PARSED.problems) == TABLE["problems"]
    assert not any("hunter2" in problem for problem in PARSED.problems)
    names = {c.secret for c in (*PARSED.repositories, *PARSED.templates)}
    assert "cluster-secret" not in names and "no-url" not in names


def test_fields_as_argo_cd_documents_them() -> None:
    charts = PARSED.for_url("https://charts.example.com/stable", "helm")
    assert charts is not None
    assert (charts.type, charts.name, charts.insecure, charts.basic_auth) == (
        "helm",
        "stable",
        True,
        ("helm-user", "helm-pass"),
    )
    oci = PARSED.for_url("oci://registry.example.com/charts", "helm")
    assert oci is not None and oci.enable_oci


def test_repr_never_shows_a_secret() -> None:
    shown = repr(PARSED)
    for secret in ("s3cret", "org-token", "team-token", "fake", "helm-pass", "oci-pass"):
        assert secret not in shown


def test_known_hosts_from_the_configmap() -> None:
    configmap = {"data": {"ssh_known_hosts": "git.example.com ssh-ed25519 AAAA\n"}}
    assert known_hosts_from_configmap(configmap) == "git.example.com ssh-ed25519 AAAA\n"
    assert known_hosts_from_configmap(None) == ""
    assert known_hosts_from_configmap({"data": {"other": "x"}}) == ""


def test_ssh_key_is_a_0600_file_removed_after_use() -> None:
    credential = RepoCredential(secret="k", url="git@h:o/r.git", ssh_private_key="KEY")
    with git_env_for("git@h:o/r.git", credential, "h ssh-ed25519 AAAA") as env:
        command = env["GIT_SSH_COMMAND"]
        words = command.split()
        key = Path(words[words.index("-i") + 1])
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(key.parent).st_mode) == 0o700
        assert key.read_text() == "KEY\n"
        assert "IdentitiesOnly=yes" in command
        assert "StrictHostKeyChecking=yes" in command
        hosts = next(w.split("=", 1)[1] for w in words if w.startswith("UserKnownHostsFile="))
        assert Path(hosts).read_text() == "h ssh-ed25519 AAAA"
        assert "KEY" not in command
    assert not key.exists() and not key.parent.exists()


def test_https_password_travels_in_git_config_env_only() -> None:
    credential = RepoCredential(secret="p", url="https://h/r", username="u", password="pw-123")
    with git_env_for("https://h/r.git", credential, "") as env:
        assert env["GIT_CONFIG_KEY_0"] == "http.https://h/.extraHeader"
        assert env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
        assert not any("pw-123" in value for value in env.values())  # base64, not plain


def test_secrets_win_over_the_environment_and_fall_back_to_it() -> None:
    fallback = Credentials(token="env-token")
    helm_fallback = Credentials(per_host={"charts.other.com": ("u", "p")})
    credentials = SecretCredentials(fallback, helm_fallback)
    credentials.update(PARSED)
    assert credentials.basic_auth_for("https://charts.example.com/stable") == (
        "helm-user",
        "helm-pass",
    )
    assert credentials.basic_auth_for("https://charts.other.com/x") == ("u", "p")
    with credentials.git_session("https://elsewhere.com/r.git") as env:
        assert env == fallback.git_env("https://elsewhere.com/r.git")


def test_a_real_git_call_over_ssh_leaves_no_key_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitsync.errors import SourceError
    from gitsync.source import RepoCache

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    url = "ssh://git@127.0.0.1:1/org/repo.git"  # nothing listens on port 1
    secret = {
        "metadata": {"name": "ssh", "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "stringData": {"url": url, "sshPrivateKey": "-----BEGIN KEY-----\nsecret-key-body\n"},
    }
    credentials = SecretCredentials(Credentials())
    credentials.update(parse_secrets([secret]), "127.0.0.1 ssh-ed25519 AAAAC3Nza")
    cache = RepoCache(tmp_path / "cache", credentials, timeout=30)
    with pytest.raises(SourceError) as caught:
        cache.resolve(url, "main")
    assert "secret-key-body" not in str(caught.value)
    assert list(scratch.iterdir()) == []  # the key's directory went with the git process
