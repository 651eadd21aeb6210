"""`gitsync health` run as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.health.fixtures import FIXTURES
from tests.health.plugin_support import install_plugin

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT = FIXTURES / "deployment" / "healthy_all_replicas_available.yaml"
PAUSED = FIXTURES / "rollout" / "progressing_paused_bluegreen.yaml"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: prod}
data: {a: b}
"""


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", "health", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "live.yaml"
    docs = [DEPLOYMENT.read_text(), PAUSED.read_text(), CONFIGMAP]
    path.write_text("---\n".join(docs), encoding="utf-8")
    return path


def test_table(mixed: Path) -> None:
    result = run(str(mixed))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RESOURCE", "HEALTH", "SOURCE", "MESSAGE"]
    assert lines[1].split()[:3] == ["Deployment/prod/web", "Healthy", "builtin"]
    assert lines[2].split()[:3] == ["Rollout/prod/web", "Progressing", "builtin"]
    assert "BlueGreenPause" in lines[2]
    assert lines[3].split() == ["ConfigMap/prod/settings", "-", "none"]
    # Plain aligned columns when not a terminal: HEALTH starts at the same offset.
    assert lines[0].index("HEALTH") == lines[1].index("Healthy")


def test_json(mixed: Path) -> None:
    result = run(str(mixed), "-o", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "kind": "Deployment",
        "namespace": "prod",
        "name": "web",
        "status": "Healthy",
        "message": "",
        "source": "builtin",
    }
    assert rows[1]["status"] == "Progressing"
    assert "BlueGreenPause" in rows[1]["message"]
    assert rows[2] == {
        "kind": "ConfigMap",
        "namespace": "prod",
        "name": "settings",
        "status": None,
        "message": "",
        "source": "none",
    }


def test_exit_zero_even_when_degraded() -> None:
    degraded = FIXTURES / "deployment" / "degraded_progress_deadline_exceeded.yaml"
    result = run(str(degraded), "-o", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["status"] == "Degraded"


def test_kubectl_list(tmp_path: Path) -> None:
    import yaml

    items = [yaml.safe_load(DEPLOYMENT.read_text()), yaml.safe_load(CONFIGMAP)]
    path = tmp_path / "list.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    rows = json.loads(run(str(path), "-o", "json").stdout)
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("Deployment", "Healthy"),
        ("ConfigMap", None),
    ]


def test_typed_api_list_in_json(tmp_path: Path) -> None:
    import yaml

    item = yaml.safe_load(PAUSED.read_text())
    del item["kind"], item["apiVersion"]  # the API leaves them out of list items
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "RolloutList", "items": [item]}
    path = tmp_path / "rollouts.json"
    path.write_text(json.dumps(doc))
    rows = json.loads(run(str(path), "-o", "json").stdout)
    assert [(r["kind"], r["name"], r["status"]) for r in rows] == [
        ("Rollout", "web", "Progressing")
    ]


def test_stdin() -> None:
    result = run("-", "-o", "json", stdin=DEPLOYMENT.read_text())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "Healthy"


def test_rules_option(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "checks:\n- kind: ConfigMap\n  rules:\n  - {field: data.a, equals: b, health: Healthy}\n"
    )
    rows = json.loads(run("-", "-o", "json", "--rules", str(rules), stdin=CONFIGMAP).stdout)
    assert rows[0]["status"] == "Healthy"
    assert rows[0]["message"] == "data.a is b"


def test_entry_point_plugin_is_used(tmp_path: Path) -> None:
    install_plugin(tmp_path)
    doc = "apiVersion: db.acme.io/v1\nkind: Database\nmetadata: {name: orders}\n"
    doc += "status: {phase: Broken}\n"
    pythonpath = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    result = run("-", "-o", "json", stdin=doc, env={"PYTHONPATH": pythonpath})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "Degraded"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n", ":4: cannot parse"),
        ("apiVersion: v1\nmetadata: {name: x}\n", "#0: object has no kind"),
        ("kind: Pod\n---\n- a\n- b\n", "#1: expected an object, got list"),
        ("", "no objects found"),
        ("---\n---\n", "no objects found"),
        ("apiVersion: v1\nkind: List\nitems: [{metadata: {}}]\n", "#0.items[0]: object has no"),
    ],
)
def test_bad_input(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {path}")
    assert expected in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path / 'nope.yaml'}: no such file\n"


def test_directory(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rules_file_is_one_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("checks: [{kind: X, rules: [{field: a, health: Healthy}]}]\n")
    result = run("-", "--rules", str(rules), stdin=CONFIGMAP)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {rules}: checks[0].rules[0]")
    assert "Traceback" not in result.stderr


def test_terminal_table_colours_status_only_without_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process: a pseudo-terminal is not available everywhere.
    from gitsync.cli.health import _table

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    row = {"kind": "Pod", "namespace": "a", "name": "p", "status": "Degraded"}
    row |= {"message": "[/oops]", "source": "none"}
    coloured = _table([row])
    assert "Pod/a/p" in coloured and "[/oops]" in coloured
    assert "\x1b[31mDegraded\x1b[0m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _table([row])
    assert "\x1b" not in plain and "Degraded" in plain
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b" not in _table([row])


WIDGETS = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: scripted, namespace: prod}
status: {size: 3}
---
apiVersion: other.example.com/v1
kind: Gadget
metadata: {name: conventional, namespace: prod}
status:
  conditions: [{type: Ready, status: "False", reason: Broken, message: no power}]
"""


def test_health_lua_and_the_source_of_each_health(tmp_path: Path) -> None:
    script = tmp_path / "custom" / "example.com" / "_" / "health.lua"
    script.parent.mkdir(parents=True)
    script.write_text(
        'return {status = "Healthy", message = "size " .. obj.status.size}\n', encoding="utf-8"
    )
    result = run("-", "-o", "json", "--health-lua", str(tmp_path / "custom"), stdin=WIDGETS)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["name"], r["status"], r["message"], r["source"]) for r in rows] == [
        ("scripted", "Healthy", "size 3", f"lua:{script}"),
        ("conventional", "Degraded", "Broken: no power", "conditions"),
    ]


def test_health_lua_script_errors_are_unknown_not_a_crash(tmp_path: Path) -> None:
    script = tmp_path / "example.com" / "Widget" / "health.lua"
    script.parent.mkdir(parents=True)
    script.write_text("while true do end\n", encoding="utf-8")
    result = run("-", "--health-lua", str(tmp_path), stdin=WIDGETS)
    assert result.returncode == 0, result.stderr
    line = result.stdout.splitlines()[1]
    assert line.split()[:3] == ["Widget/prod/scripted", "Unknown", f"lua:{script}"]
    assert "Lua instructions" in line


def test_health_lua_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = run("-", "--health-lua", str(tmp_path / "nope"), stdin=WIDGETS)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not a directory" in result.stderr
