"""The bounds of docs/limits.md as `serve` settings: file < environment < flags, sizes as
Kubernetes quantities, durations as Go durations; a bad one is a ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.controller.config import load_config
from gitsync.errors import ConfigError
from gitsync.render.limits import DEFAULT_LIMITS, GiB, Limits, MiB


def test_defaults_are_those_of_limits() -> None:
    assert load_config(None, {"repo": "x"}, environ={}).limits == DEFAULT_LIMITS


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    settings = tmp_path / "gitsync.yaml"
    settings.write_text(
        "repo: x\nmax-manifest-bytes: 8Mi\nmax_documents: 500\nrender-timeout: 30s\n"
    )
    env = {"GITSYNC_RENDER_MEMORY_LIMIT": "3Gi", "GITSYNC_MAX_MANIFEST_BYTES": "16Mi"}
    flags = {"max_generated_apps": "200", "render_timeout": "1m"}
    limits = load_config(settings, flags, environ=env).limits
    assert limits == Limits(
        max_manifest_bytes=16 * MiB,
        max_documents=500,
        max_generated_apps=200,
        render_memory_limit=3 * GiB,
        render_timeout=60.0,
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"max_manifest_bytes": "lots"}, "max_manifest_bytes"),
        ({"render_timeout": "soon"}, "render timeout"),
        ({"max_generated_apps": "0"}, "max-generated-apps must be positive"),
    ],
)
def test_a_bad_bound_is_a_config_error(flags: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, {"repo": "x", **flags}, environ={})
