"""`gitsync serve` end to end: a real subprocess, two embedded API servers, a Git repo."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.sim import SimCluster
from gitsync.sim.records import RequestRecord
from tests.controller.harness import (
    API_TOKEN,
    Env,
    all_synced_healthy,
    configmap,
    deployment,
    environment,
    push_payload,
    wait_for,
)

APPS = {"web-c1", "web-c2", "conf-c1", "conf-c2"}
FILES = {
    "apps/web/deploy.yaml": deployment("web"),
    "apps/conf/cm.yaml": configmap("settings", "one"),
}


def test_appset_apps_synced_and_healthy_on_both_clusters(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        apps = env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        for sim in env.sims:
            assert sim.get_object("apps/v1", "Deployment", "web", "web") is not None
            assert sim.get_object("v1", "ConfigMap", "conf", "settings") is not None
        assert all(a["history"] and a["history"][-1]["phase"] == "Succeeded" for a in apps.values())
        assert apps["web-c2"]["revision"] == env.repo.head

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return env.cli("app", *args, check=False)

        listed = cli("list")
        assert listed.returncode == 0, listed.stderr
        header, *rows = listed.stdout.splitlines()
        assert header.split()[:4] == ["NAME", "SYNC", "HEALTH", "REVISION"]
        assert sorted(r.split()[0] for r in rows) == sorted(APPS)
        assert all(r.split()[1:4] == ["Synced", "Healthy", env.repo.head[:12]] for r in rows)
        as_json = json.loads(cli("list", "-o", "json").stdout)
        assert {a["name"] for a in as_json} == APPS
        got = cli("get", "web-c1")
        assert got.returncode == 0 and "Deployment/web/web" in got.stdout
        assert cli("get", "nope").returncode == 2
        synced = cli("sync", "web-c1")
        assert synced.returncode == 0 and "queued" in synced.stdout
        env.wait_apps(lambda a: len(a["web-c1"]["history"]) == 2, timeout=10, what="manual sync")
        # What a page on another origin can send: no token, or a text/plain body.
        url = f"{env.url}/api/v1/applications/web-c2/sync"
        plain = {"Content-Type": "text/plain"}
        assert _post_status(url, plain) == 401
        assert _post_status(url, {**plain, "Authorization": f"Bearer {API_TOKEN}"}) == 415
        assert len(env.apps()["web-c2"]["history"]) == 1


def _post_status(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=b"{}", headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _writes(sim: SimCluster, since: float, namespace: str) -> list[RequestRecord]:
    return [r for r in sim.requests if r.is_write and r.time >= since and r.namespace == namespace]


def test_signed_webhook_syncs_only_the_affected_app_at_once(tmp_path: Path) -> None:
    slow_poll = ["--poll-interval", "120s"]
    with environment(
        tmp_path, FILES, args=slow_poll, env_vars={"GITSYNC_WEBHOOK_MAX_BYTES": "20000"}
    ) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        before = env.repo.head
        after = env.repo.commit(files={"apps/web/deploy.yaml": deployment("web", "nginx:1.26")})
        body = push_payload(env.repo.url, before, after, ["apps/web/deploy.yaml"])
        start = time.monotonic()

        assert env.webhook(body, secret="wrong") == 401
        assert env.webhook(body, secret=None) in (401, 403)
        assert env.webhook(b"{" + b" " * 30000 + b"}") == 413

        posted = time.monotonic()
        assert env.webhook(body) == 202
        first = wait_for(
            lambda: min((r.time for s in env.sims for r in _writes(s, posted, "web")), default=0),
            timeout=10,
            what="first write of the web apps",
        )
        assert first - posted < 5.0
        print(f"webhook to first write: {first - posted:.3f}s")
        apps = env.wait_apps(
            lambda a: all(
                a[n]["revision"] == after and a[n]["sync_status"] == "Synced"
                for n in ("web-c1", "web-c2")
            ),
            timeout=20,
            what="web apps at the new revision",
        )
        assert apps["conf-c1"]["sync_status"] == "Synced"
        assert not any(_writes(sim, start, "conf") for sim in env.sims)
        # The accepted push was handled: nothing was written for the refused ones before it.
        refused = [r for sim in env.sims for r in _writes(sim, start, "web") if r.time < posted]
        assert not refused, "refused hook synced"
        for sim in env.sims:
            live = sim.get_object("apps/v1", "Deployment", "web", "web")
            assert live is not None
            assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"


def _image(sim: SimCluster) -> str:
    live = sim.get_object("apps/v1", "Deployment", "web", "web")
    assert live is not None
    return str(live["spec"]["template"]["spec"]["containers"][0]["image"])


def _set_image(obj: dict[str, Any], image: str) -> dict[str, Any]:
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return obj


def test_drift_is_reverted_with_self_heal(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        sim = env.sims[1]
        sim.mutate("apps/v1", "Deployment", "web", "web", lambda o: _set_image(o, "evil:1"))
        wait_for(lambda: _image(sim) == "nginx:1.25", timeout=15, what="drift reverted")
        apps = env.wait_apps(
            lambda a: a["web-c2"]["sync_status"] == "Synced", timeout=10, what="synced again"
        )
        assert len(apps["web-c2"]["history"]) >= 2


def test_drift_without_self_heal_shows_out_of_sync(tmp_path: Path) -> None:
    with environment(tmp_path, FILES, self_heal=False) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        sim = env.sims[1]
        sim.mutate("apps/v1", "Deployment", "web", "web", lambda o: _set_image(o, "evil:1"))
        apps = env.wait_apps(
            lambda a: a["web-c2"]["sync_status"] == "OutOfSync", timeout=10, what="out of sync"
        )
        drifted = [r for r in apps["web-c2"]["resources"] if r["status"] == "OutOfSync"]
        assert [r["kind"] for r in drifted] == ["Deployment"]
        env.wait_reconciles("web-c2", times=2)  # two polls: still not reverted
        assert _image(sim) == "evil:1"
        assert env.apps()["web-c1"]["sync_status"] == "Synced"


def test_broken_manifest_marks_only_that_app(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        since = time.monotonic()
        env.repo.commit(
            files={
                "apps/web/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: [\n",
                "apps/conf/cm.yaml": configmap("settings", "two"),
            }
        )

        def broken_and_others_synced(apps: dict[str, dict[str, Any]]) -> bool:
            web = [apps[n] for n in ("web-c1", "web-c2")]
            conf = [apps[n] for n in ("conf-c1", "conf-c2")]
            return all(a["sync_status"] == "Unknown" and a["message"] for a in web) and all(
                a["sync_status"] == "Synced" and a["revision"] == env.repo.head for a in conf
            )

        apps = env.wait_apps(broken_and_others_synced, timeout=20, what="web broken, conf synced")
        assert "deploy.yaml" in apps["web-c1"]["message"]
        assert any(c.startswith("ComparisonError") for c in apps["web-c1"]["conditions"])
        for sim in env.sims:
            assert not _writes(sim, since, "web")
            live = sim.get_object("v1", "ConfigMap", "conf", "settings")
            assert live is not None and live["data"] == {"v": "two"}
            assert _image(sim) == "nginx:1.25"


def _hook_job(seconds: int) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": "smoke",
                "annotations": {
                    "argocd.argoproj.io/hook": "PostSync",
                    "sim.gitsync.io/duration": str(seconds),
                },
            },
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "smoke", "image": "busybox"}],
                    }
                }
            },
        }
    )


def _stored_history(sim: SimCluster, app: str) -> list[dict[str, Any]] | None:
    """The history in `app`'s status as the controller stored it (a ConfigMap)."""
    for stored in sim.list_objects("v1", "ConfigMap", "gitsync"):
        named = (stored["metadata"].get("annotations") or {}).get("gitsync.io/app-name") == app
        status = (stored.get("data") or {}).get("status.json")  # not an operation's record
        if named and status:
            return list(json.loads(status).get("history") or [])
    return None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_restart_mid_sync_resumes_and_keeps_history(tmp_path: Path, sig: int) -> None:
    files = {**FILES, "apps/web/hook.yaml": _hook_job(3)}
    with environment(tmp_path, files) as env:

        def hook_running(apps: dict[str, dict[str, Any]]) -> bool:
            op = apps.get("web-c1", {}).get("operation") or {}
            return op.get("phase") == "Running" and bool(
                env.sims[0].list_objects("batch/v1", "Job", "web")
            )

        env.wait_apps(hook_running, timeout=30, what="hook job running")
        conf_done = env.wait_apps(
            lambda a: all(a[n]["history"] for n in ("conf-c1", "conf-c2")),
            timeout=10,
            what="conf apps synced",
        )
        # The API shows a finished sync a moment before its status is stored; what must
        # survive a SIGKILL is the stored history.
        for name in ("conf-c1", "conf-c2"):
            wait_for(
                lambda name=name: _stored_history(env.sims[0], name) == conf_done[name]["history"],
                what=f"{name}'s history stored",
            )
        assert env.stop(sig) in (0, -signal.SIGKILL, -signal.SIGTERM)
        job = env.sims[0].get_object("batch/v1", "Job", "web", "smoke")
        assert job is not None

        env.start()
        apps = env.wait_apps(
            lambda a: all(a[n]["history"] for n in ("web-c1", "web-c2")),
            timeout=30,
            what="web sync finished after restart",
        )
        for name in ("web-c1", "web-c2"):
            assert [h["phase"] for h in apps[name]["history"]] == ["Succeeded"], apps[name]
        for name in ("conf-c1", "conf-c2"):
            assert apps[name]["history"] == conf_done[name]["history"]
        # Resumed, not restarted: the same hook object ran to completion.
        after = env.sims[0].get_object("batch/v1", "Job", "web", "smoke")
        assert after is not None and after["metadata"]["uid"] == job["metadata"]["uid"]


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_api_errors_and_git_outage_are_reported_and_recovered(tmp_path: Path) -> None:
    with environment(tmp_path, FILES) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")

        # The second cluster's API server fails every request for a while.
        fault = env.sims[1].faults.add(status=503, message="overloaded")
        env.repo.commit(files={"apps/conf/cm.yaml": configmap("settings", "two")})
        apps = env.wait_apps(
            lambda a: (
                a["conf-c2"]["sync_status"] == "Unknown"
                and a["conf-c1"]["revision"] == env.repo.head
                and a["conf-c1"]["sync_status"] == "Synced"
            ),
            timeout=20,
            what="conf-c2 reports the API error, conf-c1 syncs",
        )
        assert "overloaded" in apps["conf-c2"]["message"] or apps["conf-c2"]["conditions"]
        assert _metric(env.metrics(), "gitsync_kube_api_requests_total", code="503") > 0
        fault.remove()
        env.wait_apps(
            lambda a: (
                a["conf-c2"]["sync_status"] == "Synced"
                and a["conf-c2"]["revision"] == env.repo.head
            ),
            timeout=30,
            what="conf-c2 recovers",
        )
        live = env.sims[1].get_object("v1", "ConfigMap", "conf", "settings")
        assert live is not None and live["data"] == {"v": "two"}

        # The Git repository disappears, then comes back with a new commit.
        moved = tmp_path / "repo-away"
        env.repo.path.rename(moved)
        apps = env.wait_apps(
            lambda a: all(
                any(c.startswith("SourceError") for c in app["conditions"]) for app in a.values()
            ),
            timeout=20,
            what="git outage in status",
        )
        assert all(app["sync_status"] == "Synced" for app in apps.values())
        assert _metric(env.metrics(), "gitsync_git_fetch_failures_total") > 0
        moved.rename(env.repo.path)
        head = env.repo.commit(files={"apps/conf/cm.yaml": configmap("settings", "three")})
        env.wait_apps(
            lambda a: (
                all(app["revision"] == head and not app["conditions"] for app in a.values())
                and a["conf-c1"]["sync_status"] == "Synced"
            ),
            timeout=30,
            what="recovered from the git outage",
        )
        for sim in env.sims:
            live = sim.get_object("v1", "ConfigMap", "conf", "settings")
            assert live is not None and live["data"] == {"v": "three"}


def test_leader_election_holds_and_releases_the_lease(tmp_path: Path) -> None:
    with environment(tmp_path, FILES, start=False) as env:
        env.extra_args = ["--leader-election"]
        env.start()
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced as leader")
        lease = env.sims[0].get_object(
            "coordination.k8s.io/v1", "Lease", "gitsync", "gitsync-leader"
        )
        assert lease is not None and lease["spec"]["holderIdentity"]
        first_holder = lease["spec"]["holderIdentity"]
        (tmp_path / "standby").mkdir()
        standby = Env(tmp_path / "standby", env.sims, env.repo, extra_args=["--leader-election"])
        standby.start(wait_ready=False)
        try:
            # live, but not ready: the Service sends webhooks to the leader only
            wait_for(
                lambda: standby.readiness() == (503, "not ready: waiting for leadership"),
                timeout=30,
                what="the standby answers, not ready",
            )
            # The standby campaigns twice per renewal of the leader: after two renewals it
            # has looked at the Lease and been refused, and is still not ready.
            renewals = _lease_renewals(env)
            wait_for(lambda: len(renewals()) >= 3, timeout=30, what="two lease renewals")
            assert standby.readiness() == (503, "not ready: waiting for leadership")
            assert env.stop(signal.SIGTERM) == 0  # releases the Lease
            wait_for(standby.ready, timeout=30, what="the standby takes over and gets ready")
            lease = env.sims[0].get_object(
                "coordination.k8s.io/v1", "Lease", "gitsync", "gitsync-leader"
            )
            assert lease is not None
            assert lease["spec"]["holderIdentity"] not in ("", None, first_holder)
        finally:
            standby.stop()


def _lease_renewals(env: Env) -> Callable[[], set[str]]:
    """Every renewTime of the leader's Lease seen so far, read at each call."""
    seen: set[str] = set()

    def read() -> set[str]:
        lease = env.sims[0].get_object(
            "coordination.k8s.io/v1", "Lease", "gitsync", "gitsync-leader"
        )
        seen.add(str(((lease or {}).get("spec") or {}).get("renewTime")))
        return seen

    return read


def _kept_configmap() -> str:
    obj = yaml.safe_load(configmap("kept", "stays"))
    obj["metadata"]["annotations"] = {"argocd.argoproj.io/sync-options": "Delete=false"}
    return yaml.safe_dump(obj)


def test_app_dropped_by_the_appset_is_deleted_with_its_resources(tmp_path: Path) -> None:
    files = {**FILES, "apps/conf/kept.yaml": _kept_configmap()}
    with environment(tmp_path, files) as env:
        env.wait_apps(all_synced_healthy(APPS), timeout=40, what="all apps synced")
        for index, sim in enumerate(env.sims, start=1):
            # carries the app's label but was never applied by it: not the app's to delete
            foreign = yaml.safe_load(configmap("foreign", "theirs"))
            foreign["metadata"].update(
                {"namespace": "conf", "labels": {"gitsync.io/app": f"conf-c{index}"}}
            )
            sim.create(foreign)
        env.repo.commit(delete=["apps/conf/cm.yaml", "apps/conf/kept.yaml"])
        env.wait_apps(
            lambda a: set(a) == {"web-c1", "web-c2"}, timeout=20, what="conf apps removed"
        )
        for sim in env.sims:
            wait_for(
                lambda s=sim: s.get_object("v1", "ConfigMap", "conf", "settings") is None,
                timeout=10,
                what="conf resources pruned",
            )
            assert sim.get_object("v1", "ConfigMap", "conf", "kept") is not None
            assert sim.get_object("v1", "ConfigMap", "conf", "foreign") is not None
            assert _image(sim) == "nginx:1.25"
