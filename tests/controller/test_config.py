from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.controller.config import load_config
from gitsync.errors import ConfigError


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    cfg_file = tmp_path / "gitsync.yaml"
    cfg_file.write_text(
        "repo: https://example.com/org/repo.git\npoll-interval: 1m\nconcurrency: 2\n"
    )
    env = {"GITSYNC_CONCURRENCY": "6", "GITSYNC_GITHUB_SECRET": "s3cret"}
    cfg = load_config(cfg_file, overrides={"concurrency": 8, "listen": "127.0.0.1:0"}, environ=env)
    assert cfg.repo == "https://example.com/org/repo.git"
    assert cfg.poll_interval == 60.0
    assert cfg.concurrency == 8
    assert cfg.github_secret == "s3cret"
    assert cfg.listen_port == 0
    assert cfg.redacted()["github_secret"] == "<set>"
    assert "s3cret" not in repr(cfg.redacted())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("repo: x\nunknown: 1\n", "unknown setting 'unknown'"),
        ("repo: x\npoll_interval: soon\n", "invalid poll interval"),
        ("repo: [x\n", "invalid YAML"),
        ("- a\n", "expected a mapping"),
        ("revision: main\n", "no repository configured"),
        ("repo: x\nlisten: nowhere\n", "invalid listen address"),
        ("repo: x\nconcurrency: many\n", "invalid value for concurrency"),
        ("repo: x\nui_auth: always\n", "invalid --ui-auth 'always'"),
        ("repo: x\nui_auth: required\n", "--ui-auth required needs --api-token"),
    ],
)
def test_bad_configuration_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    cfg_file = tmp_path / "gitsync.yaml"
    cfg_file.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(cfg_file, environ={})


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_every_secret_setting_logs_as_set(tmp_path: Path) -> None:
    secrets = {
        "github_secret": "gh-value",
        "gitlab_secret": "gl-value",
        "gitea_secret": "gt-value",
        "bitbucket_server_secret": "bbs-value",
        "bitbucket_uuid": "{bb-uuid-value}",
        "api_token": "token-value",
    }
    overrides: dict[str, object] = {
        **secrets,
        "repo": "https://user:repo-password@example.com/org/repo.git",
    }
    cfg = load_config(None, overrides=overrides, environ={})
    shown = cfg.redacted()
    for key in secrets:
        assert shown[key] == "<set>", key
    text = repr(shown)
    for value in [*secrets.values(), "repo-password"]:
        assert value not in text
    assert "example.com/org/repo.git" in shown["repo"]
    unset = load_config(None, overrides={"repo": "x"}, environ={}).redacted()
    assert unset["bitbucket_uuid"] is None  # unset stays visibly unset


def test_local_repository_directories_and_anonymous_actions(tmp_path: Path) -> None:
    cfg_file = tmp_path / "gitsync.yaml"
    cfg_file.write_text("repo: x\nallow-local-repos: [/srv/a, /srv/b]\n")
    assert load_config(cfg_file, environ={}).allow_local_repos == ("/srv/a", "/srv/b")
    env = {"GITSYNC_ALLOW_LOCAL_REPOS": "/e1:/e2", "GITSYNC_INSECURE_ALLOW_ANONYMOUS_ACTIONS": "1"}
    from_env = load_config(cfg_file, environ=env)
    assert from_env.allow_local_repos == ("/e1", "/e2")
    assert from_env.insecure_allow_anonymous_actions is True
    flags = {"allow_local_repos": ("/f",), "insecure_allow_anonymous_actions": None}
    assert load_config(cfg_file, flags, environ=env).allow_local_repos == ("/f",)
    unused = {"allow_local_repos": ()}  # a repeatable flag nobody gave
    assert load_config(cfg_file, unused, environ=env).allow_local_repos == ("/e1", "/e2")
    default = load_config(None, {"repo": "x"}, environ={})
    assert default.allow_local_repos == () and not default.insecure_allow_anonymous_actions
    with pytest.raises(ConfigError, match="absolute"):
        load_config(None, {"repo": "x", "allow_local_repos": ("relative",)}, environ={})
