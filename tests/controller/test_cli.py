"""`gitsync serve` configuration errors and `gitsync app` against no server (subprocesses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.ports import refusing_port


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
        "127.0.0.1:0",
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "kubeconfig" in result.stderr and "Traceback" not in result.stderr


def test_app_list_without_a_controller(tmp_path: Path) -> None:
    with refusing_port() as port:
        result = _run("app", "list", "--server", f"http://127.0.0.1:{port}")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot reach the controller at")
    assert "Traceback" not in result.stderr


def test_serve_kube_qps_and_burst_flags_reach_the_config() -> None:
    from gitsync.cli.serve import serve_command
    from gitsync.controller.config import load_config

    args = ["--repo", "/srv/root", "--kube-qps", "200", "--kube-burst", "400"]
    ctx = serve_command.make_context("serve", args)
    flags = {k: v for k, v in ctx.params.items() if k != "config_file"}
    cfg = load_config(None, flags, environ={"GITSYNC_QPS": "7", "GITSYNC_BURST": "9"})
    assert (cfg.qps, cfg.burst) == (200.0, 400)
    unset = serve_command.make_context("serve", ["--repo", "/srv/root"]).params
    defaults = load_config(None, {k: v for k, v in unset.items() if k != "config_file"}, {})
    assert (defaults.qps, defaults.burst) == (50.0, 100)
