"""Each bound from the command line: one ``error:`` line naming the bound, the file and
the app, exit status 2, and the command's own peak memory (wait4's rusage) small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from gitsync.render.limits import MiB

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "limits"


# The command runs under a small launcher that reports its peak RSS. Measured directly
# from the test process, Linux would count the memory of the (large, forked) test
# process that the command replaced at exec, and the figure would depend on what ran
# before it in the suite.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "gitsync", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(*args: str, cwd: Path) -> tuple[int, str, str, int]:
    """(exit status, stdout, stderr, peak RSS in bytes of the command and its children)."""
    peak = cwd / "peak-rss.txt"
    with (
        open(cwd / "out.txt", "w+b") as out,
        open(cwd / "err.txt", "w+b") as err,
    ):
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(peak), *args],
            cwd=cwd,
            stdout=out,
            stderr=err,
            check=False,
        )
        out.seek(0)
        err.seek(0)
        return done.returncode, out.read().decode(), err.read().decode(), int(peak.read_text())


def assert_one_line_error(done: tuple[int, str, str, int], *fragments: str) -> str:
    code, stdout, stderr, _ = done
    assert code == 2, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def test_plan_of_an_alias_bomb(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "cm.yaml").write_bytes((FIXTURES / "billion-laughs.yaml").read_bytes())
    done = run("plan", "web", cwd=tmp_path)
    assert_one_line_error(
        done, "app web: cm.yaml: line ", "YAML aliases expand past", "exceeds max-manifest-bytes"
    )
    assert done[3] < 300 * MiB


def test_render_of_deep_json(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "x.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    done = run("render", "web", cwd=tmp_path)
    assert_one_line_error(done, "app web: x.json: ", "exceeds max-nesting-depth (128)")


def test_render_of_a_jsonnet_make_array_with_a_memory_flag(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "bomb.jsonnet").write_text("std.makeArray(5e7, function(i) {a: i})\n")
    done = run("render", "web", "--render-memory-limit", "512Mi", cwd=tmp_path)
    assert_one_line_error(
        done, "app web: jsonnet bomb.jsonnet: ran out of memory", "render-memory-limit (512 MiB)"
    )
    assert done[3] < 600 * MiB  # the child's 512 MiB address space and the command's own


def test_max_manifest_bytes_flag(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: " + "y" * 2000 + "}\n"
    )
    assert run("render", "web", cwd=tmp_path)[0] == 0
    done = run("render", "web", "--max-manifest-bytes", "1Ki", cwd=tmp_path)
    assert_one_line_error(done, "cm.yaml: a file of 2 KiB", "max-manifest-bytes (1 KiB)")
    bad = run("render", "web", "--max-manifest-bytes", "lots", cwd=tmp_path)
    assert_one_line_error(bad, "--max-manifest-bytes")


def test_appset_generate_of_a_huge_matrix(tmp_path: Path) -> None:
    def elements(key: str) -> dict[str, object]:
        return {"list": {"elements": [{key: str(i)} for i in range(1000)]}}

    appset = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "bomb"},
        "spec": {
            "generators": [{"matrix": {"generators": [elements(k) for k in "abc"]}}],
            "template": {
                "metadata": {"name": "app-{{a}}-{{b}}-{{c}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://example.com/r.git", "path": "x"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                },
            },
        },
    }
    (tmp_path / "bomb.yaml").write_text(yaml.safe_dump(appset))
    done = run("appset", "generate", "bomb.yaml", cwd=tmp_path)
    assert_one_line_error(
        done, "ApplicationSet bomb (bomb.yaml): spec.generators[0].matrix: ", "max-generated-apps"
    )
    assert done[3] < 300 * MiB
    small = run("appset", "generate", "bomb.yaml", "--max-generated-apps", "5", cwd=tmp_path)
    assert_one_line_error(small, "spec.generators[0].matrix.generators[0].list: 1,000 param sets")
