"""`gitsync plan` as a user runs it: a real subprocess on a directory and on a Git repo."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import git

from tests.sync.helpers import FIXTURES


def gitsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitsync", *args], capture_output=True, text=True, timeout=60
    )


def test_plan_json_from_a_git_repo(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path / "repo")
    app = tmp_path / "repo" / "apps" / "shop"
    app.mkdir(parents=True)
    shutil.copy(FIXTURES / "mixed" / "manifests.yaml", app / "all.yaml")
    repo.index.add([str(app / "all.yaml")])
    sha = repo.index.commit("shop").hexsha
    done = gitsync(
        "plan",
        "apps/shop",
        "--repo",
        str(tmp_path / "repo"),
        "--dest-namespace",
        "shop",
        "-o",
        "json",
    )
    assert done.returncode == 0, done.stderr
    tasks = json.loads(done.stdout)
    assert set(tasks[0]) == {
        "phase",
        "wave",
        "group",
        "version",
        "kind",
        "namespace",
        "name",
        "hook",
        "deletePolicies",
    }
    assert [(t["phase"], t["kind"], t["name"]) for t in tasks[:2]] == [
        ("PreSync", "Namespace", "shop"),
        ("PreSync", "Job", "migrate"),
    ]
    generated = [t["name"] for t in tasks if t["name"].startswith("smoke-")]
    assert len(generated) == 1 and generated[0].startswith(f"smoke-{sha[:7]}-postsync-")
    assert tasks[-1]["phase"] == "SyncFail"


def test_plan_table_groups_by_phase_and_wave(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "kind_order" / "manifests.yaml", tmp_path / "m.yaml")
    done = gitsync("plan", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Sync wave 0"
    assert lines[1].strip() == "NetworkPolicy/app/deny"
    assert lines[-1].strip() == "Acme/app/z"


def test_plan_bad_manifest_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    done = gitsync("plan", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1


def test_plan_names_resources_with_their_namespace(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    app.mkdir()
    shutil.copy(FIXTURES / "mixed" / "manifests.yaml", app / "all.yaml")
    table = gitsync("plan", str(app))
    assert table.returncode == 0, table.stderr
    assert "Job/default/migrate" in table.stdout  # namespaced: the default namespace
    assert "Namespace/shop" in table.stdout.split()  # cluster-scoped: no namespace
    names = gitsync("plan", str(app), "--dest-namespace", "shop", "-o", "name").stdout.split()
    assert "Job/shop/migrate" in names and "Namespace/shop" in names
    as_yaml = gitsync("plan", str(app), "-o", "yaml")
    assert as_yaml.stdout.startswith("- deletePolicies:")
