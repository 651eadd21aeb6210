"""The README's examples run as written: every ```sh block whose first line is
``# runs offline`` is run command by command in a copy of the repository's files, with
`gitsync` on PATH, and must exit 0 (or the N of a trailing ``# exit N`` comment)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# runs offline"
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
_EXIT = re.compile(r"#\s*exit (\d+)")


def offline_commands(readme: str) -> list[tuple[str, int]]:
    """(command, expected exit status) of each command of the marked blocks; a line
    ending in a backslash continues on the next."""
    commands: list[tuple[str, int]] = []
    for block in _BLOCK.findall(readme):
        lines = block.splitlines()
        if not lines or not lines[0].startswith(MARKER):
            continue
        pending = ""
        for line in lines[1:]:
            if pending or not line.lstrip().startswith("#"):
                pending += line.rstrip("\\") + " " if line.endswith("\\") else line
            if pending and not line.endswith("\\"):
                found = _EXIT.search(pending)
                commands.append((pending.strip(), int(found.group(1)) if found else 0))
                pending = ""
    return commands


COMMANDS = offline_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_offline_examples() -> None:
    assert len(COMMANDS) >= 5
    assert any("appset generate" in c for c, _ in COMMANDS)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a fresh clone has (tracked or new, not ignored), copied."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    target = tmp_path_factory.mktemp("clone")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_readme_command_runs_as_written(clone: Path, command: str, expected: int) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "NO_COLOR": "1"}
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == expected, f"{command}\n{done.stdout[-2000:]}\n{done.stderr}"
    if expected == 2:
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
