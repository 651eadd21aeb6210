"""A commit cannot make `gitsync serve` read the controller's own disk: a git generator or
an Application naming a local directory outside the root repository is refused, and the
directory's content reaches neither the API, the status page, the log nor a cluster,
until an operator allows the directory with --allow-local-repos."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import yaml

from tests.controller.harness import API_TOKEN, Env, configmap, environment
from tests.gitrepo import GitRepo

MARKER = "marker-7f3a9c"


def _outside(tmp_path: Path) -> Path:
    """A Git repository outside the root, holding the marker in a file and an object."""
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leaked"}}
    cm["data"] = {"value": MARKER}
    repo = GitRepo.create(
        tmp_path / "host-disk" / "data",
        files={"params/config.json": json.dumps({"leak": MARKER}), "cm/cm.yaml": yaml.dump(cm)},
    )
    return repo.path


def _root_files(outside: Path, root: Path) -> dict[str, str]:
    """An ApplicationSet generating from the outside directory, an Application reading
    it, and a multi-source Application borrowing from it with a ref."""
    generator_appset = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "reader"},
        "spec": {
            "generators": [
                {"git": {"repoURL": str(outside), "files": [{"path": "params/*.json"}]}}
            ],
            "template": {
                "metadata": {"name": "from-{{leak}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": outside.as_uri(), "path": "cm"},
                    "destination": {"name": "c1", "namespace": "default"},
                },
            },
        },
    }
    direct = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "direct"},
        "spec": {
            "project": "default",
            "source": {"repoURL": outside.as_uri(), "path": "cm"},
            "destination": {"name": "c1", "namespace": "default"},
            "syncPolicy": {"automated": {}},
        },
    }
    lending = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "lending"},
        "spec": {
            "project": "default",
            "sources": [
                {"repoURL": str(root), "path": "apps/conf"},
                {"repoURL": str(outside), "ref": "values"},
            ],
            "destination": {"name": "c1", "namespace": "default"},
            "syncPolicy": {"automated": {}},
        },
    }
    return {
        "root/reader.yaml": yaml.dump(generator_appset),
        "root/direct.yaml": yaml.dump(direct),
        "root/lending.yaml": yaml.dump(lending),
        "apps/conf/cm.yaml": configmap("settings", "one"),
    }


def _get(env: Env, path: str) -> str:
    request = urllib.request.Request(
        env.url + path, headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.read().decode())


def _everywhere(env: Env) -> str:
    """What the marker must never reach: API, status page, log, every object stored."""
    stored = [
        str(obj.raw if isinstance(obj.raw, str) else obj.raw.decode())
        for sim in env.sims
        for obj in sim.store.all_objects()
    ]
    return "\n".join([_get(env, "/api/v1/applications"), _get(env, "/"), env.logs(), *stored])


def test_local_directories_outside_the_root_are_refused(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    with environment(tmp_path, _root_files(outside, tmp_path / "repo")) as env:
        apps = env.wait_apps(
            lambda a: "direct" in a and a["direct"]["conditions"], what="direct refused"
        )
        # The poll after the refusals: every reader of the outside directory has run.
        env.wait_apps(lambda a: a["direct"]["reconciled_at"] > apps["direct"]["reconciled_at"])
        for name in ("direct", "lending"):
            refused = env.apps()[name]
            assert refused["sync_status"] == "Unknown"
            assert any("--allow-local-repos" in c for c in refused["conditions"])
        assert "--allow-local-repos" in env.logs()  # the ApplicationSet's refusal
        assert not any(name.startswith("from-") for name in env.apps())
        assert MARKER not in _everywhere(env)


def test_an_allowed_directory_is_read(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    allow = ["--allow-local-repos", str(outside)]
    with environment(tmp_path, _root_files(outside, tmp_path / "repo"), args=allow) as env:
        env.wait_apps(
            lambda a: (
                f"from-{MARKER}" in a
                and a["direct"]["sync_status"] == "Synced"
                and a["lending"]["sync_status"] == "Synced"
            ),
            timeout=40,
            what="apps from the allowed directory",
        )
        leaked = env.sims[0].get_object("v1", "ConfigMap", "default", "leaked")
        assert leaked is not None and leaked["data"]["value"] == MARKER
