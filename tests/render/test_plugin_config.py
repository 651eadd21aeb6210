"""Plugin settings of `gitsync serve`: flags, environment, config file, bad files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gitsync.controller import load_config


def test_plugins_from_flags_environment_and_file(tmp_path: Path) -> None:
    config = load_config(None, {"repo": "r", "plugins": ("a.yaml", "b.yaml")}, environ={})
    assert config.plugins == ("a.yaml", "b.yaml") and config.plugin_timeout == 90.0
    environ = {"GITSYNC_PLUGINS": "a.yaml, b.yaml", "GITSYNC_PLUGIN_TIMEOUT": "2m"}
    config = load_config(None, {"repo": "r", "plugins": ()}, environ=environ)
    assert config.plugins == ("a.yaml", "b.yaml") and config.plugin_timeout == 120.0
    file = tmp_path / "config.yaml"
    file.write_text("repo: r\nplugins: [c.yaml]\nplugins-dir: /etc/plugins\n")
    config = load_config(file, environ={})
    assert (config.plugins, config.plugins_dir) == (("c.yaml",), "/etc/plugins")


def test_serve_refuses_an_invalid_plugin_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: ConfigManagementPlugin\nmetadata: {name: x}\nspec: {}\n")
    done = subprocess.run(
        [sys.executable, "-m", "gitsync", "serve", "--repo", str(tmp_path), "--plugin", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "GITSYNC_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [f"error: plugin file {bad}: spec.generate.command is missing"]
