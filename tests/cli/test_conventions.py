"""What every command shares, run as a user runs it (a subprocess): usage errors are one
``error:`` line with exit 2, shell completion scripts, and the version report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def gitsync(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--bogus"],
        ["app", "get"],
        ["plan", "--output", "xml", "."],
        ["no-such-command"],
        ["health", "--output"],
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str]) -> None:
    done = gitsync(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_help_still_prints_usage_and_exits_0() -> None:
    done = gitsync("sync", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: gitsync sync")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    done = gitsync("completion", shell)
    assert done.returncode == 0
    assert "_GITSYNC_COMPLETE" in done.stdout


def test_completion_completes_commands() -> None:
    done = gitsync(env={"_GITSYNC_COMPLETE": "bash_complete", "COMP_WORDS": "gitsync sy",
                        "COMP_CWORD": "1"})  # fmt: skip
    assert done.returncode == 0
    assert "sync" in done.stdout.split()[0]


def test_version_names_the_renderers() -> None:
    done = gitsync("version", "-o", "json")
    assert done.returncode == 0
    found = json.loads(done.stdout)
    assert set(found) >= {"gitsync", "python", "helm", "kustomize", "jsonnet", "git"}
    assert found["jsonnet"].startswith("embedded")
    assert gitsync("--version").stdout.startswith("gitsync, version ")
