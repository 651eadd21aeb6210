"""`gitsync serve` sharding settings: flags, environment, defaults and refusals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gitsync.controller.config import load_config
from gitsync.errors import ConfigError


def test_defaults_keep_one_leader() -> None:
    config = load_config(None, {"repo": "r"}, environ={})
    assert (config.shards, config.shard_by, config.lease_duration) == (1, "app", 15.0)


def test_environment_and_flags() -> None:
    env = {"GITSYNC_SHARDS": "6", "GITSYNC_IDENTITY": "gitsync-2", "GITSYNC_SHARD_BY": "cluster"}
    config = load_config(None, {"repo": "r", "lease_duration": "4s"}, environ=env)
    assert (config.shards, config.identity, config.shard_by) == (6, "gitsync-2", "cluster")
    assert config.lease_duration == 4.0
    assert config.replica_identity == "gitsync-2"
    assert load_config(None, {"repo": "r", "shards": 3}, environ=env).shards == 3


def test_identity_defaults_to_the_pod_name_else_host_and_pid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(None, {"repo": "r"}, environ={})
    monkeypatch.setenv("POD_NAME", "gitsync-7d9f-x2k")
    assert config.replica_identity == "gitsync-7d9f-x2k"
    monkeypatch.delenv("POD_NAME")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    assert config.replica_identity.endswith(f"-{os.getpid()}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shards": 0}, "shards must be between 1 and 1024"),
        ({"shards": 5000}, "shards must be between 1 and 1024"),
        ({"shard_by": "namespace"}, "invalid shard-by 'namespace'"),
        ({"identity": "Pod_1"}, "invalid identity 'Pod_1'"),
        ({"identity": "x" * 64}, "invalid identity"),
        ({"lease_duration": "1s"}, "lease duration must be at least 2s"),
    ],
)
def test_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, {"repo": "r", **overrides}, environ={})


def test_serve_says_one_line_for_a_bad_shard_setting() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gitsync", "serve", "--repo", "r", "--shard-by", "ns"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Invalid value for '--shard-by'" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "gitsync", "serve", "--repo", "r", "--shards", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (2, "error: shards must be between 1 and 1024\n")
