"""`gitsync diff` run as a subprocess against the embedded API server."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.kube import Cluster
from tests.diff.conftest import (
    APP,
    config_map,
    deployment,
    make_live,
    pre_sync_hook,
    run_diff,
    service,
    write_app,
)
from tests.gitrepo import GitRepo


def test_in_sync_exits_0_and_server_defaults_are_no_difference(
    sim: Any, cluster: Cluster, tmp_path: Path
) -> None:
    make_live(cluster, deployment(), service(), config_map())
    app = write_app(tmp_path / APP, deployment(), service(), config_map(), pre_sync_hook())

    done = run_diff(sim, app)

    assert done.returncode == 0, done.stdout + done.stderr
    assert b"in sync, 3 resources (3 Synced)" in done.stdout  # the hook is not counted
    assert b"migrate" not in done.stdout


def test_changed_image_exits_1_and_shows_the_change(
    sim: Any, cluster: Cluster, tmp_path: Path
) -> None:
    make_live(cluster, deployment(), service())
    app = write_app(tmp_path / APP, deployment(image="nginx:1.26"), service())

    done = run_diff(sim, app)

    assert done.returncode == 1, done.stderr
    out = done.stdout.decode()
    assert "Deployment/shop/web (OutOfSync)" in out
    assert "-      - image: nginx:1.25" in out and "+      - image: nginx:1.26" in out
    assert "Service/shop/web" not in out
    # Fields the server defaults (replicas, imagePullPolicy...) are not differences.
    changed = [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert len(changed) == 2, out
    assert "out of sync, 2 resources (1 Synced, 1 OutOfSync)" in out

    as_json = json.loads(run_diff(sim, app, "-o", "json").stdout)
    assert as_json["inSync"] is False
    by_kind = {r["kind"]: r for r in as_json["resources"]}
    assert by_kind["Deployment"]["status"] == "OutOfSync"
    assert by_kind["Deployment"]["group"] == "apps"
    assert by_kind["Deployment"]["namespace"] == "shop"
    assert "nginx:1.26" in by_kind["Deployment"]["diff"]
    assert by_kind["Service"] == {
        "group": "",
        "kind": "Service",
        "namespace": "shop",
        "name": "web",
        "status": "Synced",
        "diff": "",
    }


def test_ignored_field_is_no_difference(sim: Any, cluster: Cluster, tmp_path: Path) -> None:
    make_live(cluster, deployment(replicas=2))
    # Another manager (an autoscaler, say) scaled it.
    scaled = deployment(replicas=5)
    scaled["metadata"]["namespace"] = "shop"
    cluster.apply(scaled, field_manager="autoscaler")
    app = write_app(tmp_path / APP, deployment(replicas=2))
    assert run_diff(sim, app).returncode == 1

    rules = {
        "pointer.yaml": "- group: apps\n  kind: Deployment\n  jsonPointers: [/spec/replicas]\n",
        "jq.yaml": "- group: '*'\n  kind: '*'\n  jqPathExpressions: ['.spec.replicas']\n",
        "managers.yaml": (
            "ignoreDifferences:\n- group: apps\n  kind: Deployment\n"
            "  managedFieldsManagers: [autoscaler]\n"
        ),
    }
    for name, text in rules.items():
        (tmp_path / name).write_text(text)
        done = run_diff(sim, app, "--ignore-differences", str(tmp_path / name))
        assert done.returncode == 0, (name, done.stdout, done.stderr)


PLAIN_OLD, PLAIN_NEW = "old-pa55word-q7", "new-pa55word-z9"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(field: str, value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "type": "Opaque",
        field: {"password": value, "user": _b64("admin-user") if field == "data" else "admin-user"},
    }


@pytest.mark.parametrize("field", ["data", "stringData"])
def test_secret_change_prints_no_secret_value(
    sim: Any, cluster: Cluster, tmp_path: Path, field: str
) -> None:
    make_live(cluster, _secret("data", _b64(PLAIN_OLD)))
    new_value = _b64(PLAIN_NEW) if field == "data" else PLAIN_NEW
    app = write_app(tmp_path / APP, _secret(field, new_value))

    for output in ("text", "json"):
        done = run_diff(sim, app, "-o", output)
        assert done.returncode == 1, done.stderr
        everything = done.stdout + done.stderr
        for secret in (PLAIN_OLD, PLAIN_NEW, "admin-user"):
            assert secret.encode() not in everything
            assert _b64(secret).encode() not in everything
            assert _b64(secret).rstrip("=").encode() not in everything
        assert b"password" in everything  # which key changed is still shown
        assert b"++++++++" in everything and b"--------" in everything


def test_tracked_leftover_requires_pruning(sim: Any, cluster: Cluster, tmp_path: Path) -> None:
    make_live(cluster, config_map(), config_map("leftover", old="yes"))
    # Labelled for the app but not annotated as this object: not the app's.
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "imposter",
                "namespace": "shop",
                "labels": {"gitsync.io/app": APP},
            },
            "data": {"a": "b"},
        }
    )
    make_live(cluster, config_map("other-app"), app="other")
    app = write_app(tmp_path / APP, config_map())

    done = run_diff(sim, app, "-o", "json")

    assert done.returncode == 1, done.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(done.stdout)["resources"]}
    assert statuses == {"settings": "Synced", "leftover": "RequiresPruning"}


def test_missing_resource(sim: Any, cluster: Cluster, tmp_path: Path) -> None:
    app = write_app(tmp_path / APP, config_map())
    done = run_diff(sim, app)
    assert done.returncode == 1
    assert b"ConfigMap/shop/settings (Missing)" in done.stdout
    assert b"+  color: blue" in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a: [1\n", b"invalid YAML"),
        ("apiVersion: v1\nmetadata: {name: a}\n", b"no kind"),
        ("", b"no manifests found"),
    ],
)
def test_bad_manifests_are_one_line_errors(
    sim: Any, tmp_path: Path, content: str, message: bytes
) -> None:
    app = tmp_path / APP
    app.mkdir()
    (app / "x.yaml").write_text(content)
    done = run_diff(sim, app)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1
    assert done.stdout == b""


def test_bad_ignore_rules_and_missing_kubeconfig_are_one_line_errors(
    sim: Any, tmp_path: Path
) -> None:
    app = write_app(tmp_path / APP, config_map())
    (tmp_path / "rules.yaml").write_text("- kind: '*'\n  jqPathExpressions: ['.a | (']\n")
    bad_rules = run_diff(sim, app, "--ignore-differences", str(tmp_path / "rules.yaml"))
    assert bad_rules.returncode == 2
    assert b"invalid jq expression" in bad_rules.stderr
    assert bad_rules.stderr.count(b"\n") == 1

    missing = subprocess.run(
        [sys.executable, "-m", "gitsync", "diff", str(app), "--kubeconfig", "/nonexistent"],
        capture_output=True,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr == b"error: kubeconfig /nonexistent not found\n"


def test_diff_of_a_git_revision(sim: Any, cluster: Cluster, tmp_path: Path) -> None:
    files = {"apps/shop/manifests.yaml": yaml.safe_dump(deployment())}
    repo = GitRepo.create(tmp_path / "repo", files=files)
    first = repo.head
    repo.commit(files={"apps/shop/manifests.yaml": yaml.safe_dump(deployment("nginx:1.26"))})
    make_live(cluster, deployment())
    env = {"GITSYNC_CACHE_DIR": str(tmp_path / "cache")}

    at_first = run_diff(sim, "apps/shop", "--repo", repo.url, "--revision", first, env=env)
    at_head = run_diff(sim, "apps/shop", "--repo", repo.url, env=env)

    assert at_first.returncode == 0, at_first.stderr
    assert b"app shop: in sync" in at_first.stdout
    assert at_head.returncode == 1, at_head.stderr
    assert b"+      - image: nginx:1.26" in at_head.stdout


def test_a_duplicate_object_is_refused_as_plan_and_sync_refuse_it(sim: Any, tmp_path: Path) -> None:
    explicit = config_map(color="red")
    explicit["metadata"]["namespace"] = "shop"  # the same object as the defaulted one
    app = write_app(tmp_path / APP, config_map(), deployment(), explicit, pre_sync_hook())

    done = run_diff(sim, app)

    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "ConfigMap/shop/settings is defined twice" in lines[0]
    assert "manifests.yaml#0" in lines[0] and "manifests.yaml#2" in lines[0]
    assert done.stdout == b""
