"""Rollback through the API of a real `gitsync serve`: a manual app synced twice, rolled
back to its first revision, then out of sync with Git again."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tests.controller.harness import API_TOKEN, Env, appset, configmap, environment


def _manual_appset(repo_url: str) -> str:
    doc = yaml.safe_load(appset(repo_url))
    del doc["spec"]["template"]["spec"]["syncPolicy"]["automated"]
    return yaml.safe_dump(doc)


def _post(env: Env, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{env.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return int(err.code), json.loads(err.read())


def _value(env: Env) -> str | None:
    found = env.sims[0].get_object("v1", "ConfigMap", "conf", "settings")
    return None if found is None else str(found["data"]["v"])


def test_rollback_to_a_history_entry(tmp_path: Path) -> None:
    with environment(
        tmp_path, {"apps/conf/cm.yaml": configmap("settings", "a")}, start=False
    ) as env:
        env.repo.commit(files={"root/appset.yaml": _manual_appset(env.repo.url)})
        first = env.repo.head
        env.start()
        env.wait_apps(lambda a: a.get("conf-c1", {}).get("revision") == first, what="app known")
        assert _post(env, "/api/v1/applications/conf-c1/sync", {})[0] == 202
        env.wait_apps(lambda a: len(a["conf-c1"]["history"]) == 1, what="first sync")
        env.repo.commit(files={"apps/conf/cm.yaml": configmap("settings", "b")})
        second = env.repo.head
        env.wait_apps(lambda a: a["conf-c1"]["revision"] == second, what="second revision seen")
        assert _post(env, "/api/v1/applications/conf-c1/sync", {})[0] == 202
        env.wait_apps(lambda a: len(a["conf-c1"]["history"]) == 2, what="second sync")
        assert _value(env) == "b"

        assert _post(env, "/api/v1/applications/conf-c1/rollback", {"id": 9})[0] == 404
        assert _post(env, "/api/v1/applications/nope/refresh", {})[0] == 404
        assert _post(env, "/api/v1/applications/conf-c1/terminate", {})[0] == 409  # none runs
        assert _post(env, "/api/v1/applications/conf-c1/refresh", {})[0] == 202
        status, body = _post(env, "/api/v1/applications/conf-c1/rollback", {"id": 0})
        assert status == 202, body
        apps = env.wait_apps(lambda a: len(a["conf-c1"]["history"]) == 3, what="rollback sync")
        assert apps["conf-c1"]["history"][-1]["revision"] == first
        assert _value(env) == "a"
        # once done, the app compares with Git's head again: out of sync, as after a rollback
        env.wait_apps(
            lambda a: (
                a["conf-c1"]["revision"] == second and a["conf-c1"]["sync_status"] == "OutOfSync"
            ),
            what="out of sync after the rollback",
        )


def test_sync_to_a_named_revision(tmp_path: Path) -> None:
    with environment(
        tmp_path, {"apps/conf/cm.yaml": configmap("settings", "a")}, start=False
    ) as env:
        env.repo.commit(files={"root/appset.yaml": _manual_appset(env.repo.url)})
        first = env.repo.head
        env.repo.tag("v1")
        env.repo.commit(files={"apps/conf/cm.yaml": configmap("settings", "b")})
        second = env.repo.head
        env.start()
        env.wait_apps(lambda a: a.get("conf-c1", {}).get("revision") == second, what="app known")

        bad = {"revision": "--upload-pack=evil"}
        assert _post(env, "/api/v1/applications/conf-c1/sync", bad)[0] == 400
        status, body = _post(env, "/api/v1/applications/conf-c1/sync", {"revision": "v1"})
        assert status == 202 and body["revision"] == "v1", body
        apps = env.wait_apps(lambda a: len(a["conf-c1"]["history"]) == 1, what="synced to v1")
        assert apps["conf-c1"]["history"][-1]["revision"] == first
        assert _value(env) == "a"
        # A name that does not resolve fails that sync's compare, and syncs nothing.
        status, _ = _post(env, "/api/v1/applications/conf-c1/sync", {"revision": "no-such"})
        assert status == 202
        env.wait_apps(
            lambda a: "no-such" in " ".join(a["conf-c1"]["conditions"]),
            what="the unknown revision reported",
        )
        assert len(env.apps()["conf-c1"]["history"]) == 1
