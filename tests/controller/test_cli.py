"""`gitsync serve` configuration errors and `gitsync app` against no server (subprocesses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.controller.harness import free_port


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_serve_bad_config_is_one_line_exit_2(tmp_path: Path) -> None:
    result = _run("serve", "--repo", str(tmp_path), "--listen", "nowhere")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "invalid listen address" in result.stderr
    missing = _run("serve", "--listen", "127.0.0.1:0", env={"PATH": "/usr/bin", "HOME": "/tmp"})
    assert missing.returncode == 2 and "no repository configured" in missing.stderr


def test_serve_missing_kubeconfig_is_one_line(tmp_path: Path) -> None:
    result = _run(
        "serve",
        "--repo",
        str(tmp_path),
        "--kubeconfig",
        str(tmp_path / "none"),
        "--listen",
        f"127.0.0.1:{free_port()}",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "kubeconfig" in result.stderr and "Traceback" not in result.stderr


def test_app_list_without_a_controller(tmp_path: Path) -> None:
    result = _run("app", "list", "--server", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot reach the controller at")
    assert "Traceback" not in result.stderr
