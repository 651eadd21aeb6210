"""`gitsync app` end to end: the CLI as a subprocess against `gitsync serve` (a subprocess)
on the embedded API servers: sync --wait, history, wait, get -o yaml, list -l/--project."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.controller.harness import (
    Env,
    all_synced_healthy,
    appset,
    configmap,
    deployment,
    environment,
)

APPS = {"web-c1", "web-c2", "conf-c1", "conf-c2"}


def _labelled_appset(repo_url: str) -> str:
    doc = yaml.safe_load(appset(repo_url))
    doc["spec"]["template"]["metadata"]["labels"] = {"team": "{{path.basename}}"}
    return yaml.safe_dump(doc)


def _files(tmp: Path) -> dict[str, str]:
    return {
        "root/appset.yaml": _labelled_appset((tmp / "repo").as_uri()),
        "apps/web/deploy.yaml": deployment("web"),
        "apps/conf/cm.yaml": configmap("settings", "one"),
    }


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_app_commands_against_serve(tmp_path: Path) -> None:
    with environment(tmp_path, _files(tmp_path)) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=60, what="all apps synced")

        def app(*args: str) -> subprocess.CompletedProcess[str]:
            return env.cli("app", *args, check=False)

        synced = app("sync", "web-c1", "--wait", "--timeout", "60s")
        assert synced.returncode == 0, synced.stderr + synced.stdout
        out = synced.stdout.splitlines()
        assert any("Deployment/web/web" in line and "Synced" in line for line in out), out
        assert "operation Succeeded" in synced.stdout
        assert out[-1] == f"sync of web-c1 Succeeded at revision {env.repo.head[:12]}"

        history = app("history", "web-c1")
        assert history.returncode == 0, history.stderr
        header, *rows = history.stdout.splitlines()
        assert header.split() == ["ID", "DATE", "REVISION", "PHASE", "AUTOMATED"]
        cells = [r.split() for r in rows]
        assert [c[0] for c in cells] == [str(i) for i in range(len(rows))]
        assert cells[0][3:] == ["Succeeded", "true"]  # the automated first sync
        assert cells[-1][2:] == [env.repo.head[:12], "Succeeded", "false"]  # ours
        as_json = json.loads(app("history", "web-c1", "-o", "json").stdout)
        assert [h["id"] for h in as_json] == list(range(len(rows)))

        waited = app("wait", "web-c1", "--health", "--timeout", "30s")
        assert waited.returncode == 0, waited.stderr
        assert waited.stdout.strip().endswith("Healthy")
        assert app("wait", "web-c1", "--timeout", "30s").returncode == 0

        got = yaml.safe_load(app("get", "web-c1", "-o", "yaml").stdout)
        assert got["name"] == "web-c1" and got["labels"] == {"team": "web"}
        assert got["sync_status"] == "Synced" and got["history"][-1]["automated"] is False
        wide = app("get", "web-c1", "-o", "wide").stdout
        assert "PROJECT" in wide.splitlines()[0] and "Deployment/web/web" in wide
        assert app("get", "web-c1", "-o", "name").stdout == "web-c1\n"

        named = app("list", "-l", "team=web", "-o", "name").stdout.split()
        assert sorted(named) == ["web-c1", "web-c2"]
        others = app("list", "-l", "team notin (web)", "--project", "default", "-o", "name")
        assert sorted(others.stdout.split()) == ["conf-c1", "conf-c2"]
        assert app("list", "--project", "elsewhere", "-o", "name").stdout == ""

        assert "sync" in _one_error_line(app("sync"))  # no NAME: a usage error
        assert "--output" in _one_error_line(app("list", "-o", "xml"))
        assert "404" in _one_error_line(app("wait", "nope", "--timeout", "5s"))
        assert "label selector" in _one_error_line(app("list", "-l", "a=(b"))
        assert "timeout" in _one_error_line(app("wait", "web-c1", "--timeout", "soon"))
        refused = _one_error_line(app("rollback", "web-c1", "0"))
        assert "automated sync is enabled" in refused

        rendered = list(yaml.safe_load_all(app("manifests", "web-c1").stdout))
        assert [(o["kind"], o["metadata"]["name"]) for o in rendered] == [("Deployment", "web")]
        assert "hard refresh of web-c1 queued" in app("refresh", "web-c1", "--hard").stdout
        assert "--suspend or --resume" in _one_error_line(app("set", "web-c1"))

        # Automated sync paused: a new commit is seen but not synced, until resumed.
        assert app("set", "web-c1", "--suspend").returncode == 0
        env.wait_apps(lambda a: a["web-c1"]["auto_sync_suspended"], what="web-c1 paused")
        changed = env.repo.commit(files={"apps/web/deploy.yaml": deployment("web", "nginx:1.27")})
        env.wait_apps(
            lambda a: a["web-c1"]["revision"] == changed and a["web-c2"]["sync_status"] == "Synced"
            and a["web-c2"]["history"][-1]["revision"] == changed,
            timeout=40,
            what="web-c2 synced the commit",
        )  # fmt: skip
        env.wait_reconciles("web-c1", times=2)
        assert env.apps()["web-c1"]["sync_status"] == "OutOfSync"
        assert app("set", "web-c1", "--resume").returncode == 0
        env.wait_apps(
            lambda a: (
                a["web-c1"]["sync_status"] == "Synced"
                and a["web-c1"]["history"][-1]["revision"] == changed
            ),
            timeout=40,
            what="web-c1 synced once resumed",
        )


def _manual_files(tmp: Path) -> dict[str, str]:
    doc = yaml.safe_load(appset((tmp / "repo").as_uri()))
    del doc["spec"]["template"]["spec"]["syncPolicy"]["automated"]
    return {
        "root/appset.yaml": yaml.safe_dump(doc),
        "apps/web/deploy.yaml": deployment("web", "nginx:1.25"),
    }


def _image(env: Env) -> str:
    live = env.sims[0].get_object("apps/v1", "Deployment", "web", "web")
    assert live is not None
    return str(live["spec"]["template"]["spec"]["containers"][0]["image"])


def test_manual_app_sync_diff_and_rollback_to_the_first_entry(tmp_path: Path) -> None:
    with environment(tmp_path, _manual_files(tmp_path)) as env:
        env.wait_apps(lambda a: set(a) == {"web-c1", "web-c2"}, timeout=60, what="apps known")

        def app(*args: str) -> subprocess.CompletedProcess[str]:
            return env.cli("app", *args, check=False)

        first = env.repo.head
        synced = app("sync", "web-c1", "--wait", "--timeout", "60s")
        assert synced.returncode == 0, synced.stderr + synced.stdout
        assert _image(env) == "nginx:1.25"

        second = env.repo.commit(files={"apps/web/deploy.yaml": deployment("web", "nginx:1.26")})
        assert app("refresh", "web-c1").returncode == 0
        env.wait_apps(lambda a: a["web-c1"]["revision"] == second, timeout=30, what="refreshed")
        diff = app("diff", "web-c1")
        assert diff.returncode == 1, diff.stderr
        assert "Deployment/web/web" in diff.stdout and "nginx:1.26" in diff.stdout
        assert app("sync", "web-c1", "--wait", "--timeout", "60s").returncode == 0
        assert _image(env) == "nginx:1.26"
        in_sync = app("diff", "web-c1")
        assert in_sync.returncode == 0 and in_sync.stdout == "", in_sync.stdout

        history = app("history", "web-c1").stdout.splitlines()[1:]
        assert [row.split()[0] for row in history] == ["0", "1"]
        assert history[0].split()[2] == first[:12]
        back = app("rollback", "web-c1", "0", "--wait", "--timeout", "60s")
        assert back.returncode == 0, back.stderr + back.stdout
        assert back.stdout.splitlines()[-1].endswith(f"Succeeded at revision {first[:12]}")
        assert _image(env) == "nginx:1.25"  # the live state is the first entry's again

        # A named revision, once: the second commit again.
        to_second = app("sync", "web-c1", "--revision", second, "--wait", "--timeout", "60s")
        assert to_second.returncode == 0, to_second.stderr + to_second.stdout
        assert _image(env) == "nginx:1.26"

        assert "no running operation" in _one_error_line(app("terminate-op", "web-c1"))
        assert "no history entry 7" in _one_error_line(app("rollback", "web-c1", "7"))
