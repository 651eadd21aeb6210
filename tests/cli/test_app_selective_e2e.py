"""`gitsync app sync NAME --resource ...` end to end: the CLI as a subprocess against
`gitsync serve` (a subprocess) on the embedded API servers. Only the named object
changes live, hooks do not run, the other changed object stays out of sync, and the
history entry names what was synced."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.controller.harness import Env, appset, configmap, environment

HOOK = {"argocd.argoproj.io/hook": "PreSync"}


def _hook() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "annotations": HOOK},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "run", "image": "busybox:1.36"}],
                    }
                }
            },
        }
    )


def _files(tmp: Path) -> dict[str, str]:
    doc = yaml.safe_load(appset((tmp / "repo").as_uri()))
    del doc["spec"]["template"]["spec"]["syncPolicy"]["automated"]  # synced by hand only
    return {
        "root/appset.yaml": yaml.safe_dump(doc),
        "apps/web/a.yaml": configmap("a", "one"),
        "apps/web/b.yaml": configmap("b", "one"),
        "apps/web/migrate.yaml": _hook(),
    }


def _value(env: Env, name: str) -> str:
    live = env.sims[0].get_object("v1", "ConfigMap", "web", name)
    assert live is not None, name
    return str(live["data"]["v"])


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def _statuses(app: dict[str, object]) -> dict[str, str]:
    resources = app["resources"]
    assert isinstance(resources, list)
    return {f"{r['kind']}/{r['namespace']}/{r['name']}": str(r["status"]) for r in resources}


def test_app_sync_of_one_resource_against_serve(tmp_path: Path) -> None:
    with environment(tmp_path, _files(tmp_path)) as env:
        env.wait_apps(lambda a: set(a) == {"web-c1", "web-c2"}, timeout=60, what="apps known")

        def app(*args: str) -> subprocess.CompletedProcess[str]:
            return env.cli("app", *args, check=False)

        full = app("sync", "web-c1", "--wait", "--timeout", "60s")
        assert full.returncode == 0, full.stdout + full.stderr
        assert (_value(env, "a"), _value(env, "b")) == ("one", "one")

        changed = env.repo.commit(
            files={
                "apps/web/a.yaml": configmap("a", "two"),
                "apps/web/b.yaml": configmap("b", "two"),
            }
        )
        assert app("refresh", "web-c1").returncode == 0
        env.wait_apps(
            lambda a: a["web-c1"]["revision"] == changed
            and a["web-c1"]["sync_status"] == "OutOfSync",
            timeout=30,
            what="web-c1 compared at the new commit",
        )  # fmt: skip
        env.sims[0].reset_requests()

        partial = app(
            "sync", "web-c1", "--resource", "ConfigMap/web/a", "--wait", "--timeout", "60s"
        )
        assert partial.returncode == 0, partial.stdout + partial.stderr
        assert "ConfigMap/web/a" in partial.stdout and "ConfigMap/web/b" not in partial.stdout
        assert (
            partial.stdout.splitlines()[-1]
            == f"sync of web-c1 Succeeded at revision {changed[:12]}"
        )
        assert (_value(env, "a"), _value(env, "b")) == ("two", "one")
        written = {(w.kind, w.name) for w in env.sims[0].writes() if w.namespace == "web"}
        assert written == {("ConfigMap", "a")}, written  # no hook Job, not b

        after = env.wait_apps(
            lambda a: _statuses(a["web-c1"]).get("ConfigMap/web/a") == "Synced",
            timeout=30,
            what="web-c1 compared after the partial sync",
        )["web-c1"]
        assert after["sync_status"] == "OutOfSync"  # computed over every resource
        assert _statuses(after)["ConfigMap/web/b"] == "OutOfSync"
        last = after["history"][-1]
        assert last["resources"] == ["ConfigMap/web/a"] and last["phase"] == "Succeeded"
        assert last["message"] == "successfully synced (partial: ConfigMap/web/a)"
        assert after["history"][0]["resources"] == []

        wide = app("history", "web-c1", "-o", "wide").stdout.splitlines()
        assert wide[0].split()[5:7] == ["DURATION", "RESOURCES"]
        assert wide[1].split()[6] == "all" and wide[-1].split()[6] == "ConfigMap/web/a"
        history = json.loads(app("history", "web-c1", "-o", "json").stdout)
        assert [h["resources"] for h in history] == [[], ["ConfigMap/web/a"]]

        unknown = _one_error_line(app("sync", "web-c1", "--resource", "ConfigMap/web/nope"))
        assert (
            "HTTP 400" in unknown and "not a resource of app web-c1: ConfigMap/web/nope" in unknown
        )
        hook = _one_error_line(app("sync", "web-c1", "--resource", "Job/web/migrate"))
        assert "not a resource of app web-c1: Job/web/migrate" in hook
        assert "KIND/NAMESPACE/NAME" in _one_error_line(app("sync", "web-c1", "--resource", "a"))
        env.wait_reconciles("web-c1", times=1)
        assert len(env.apps()["web-c1"]["history"]) == 2  # the refused requests ran nothing
