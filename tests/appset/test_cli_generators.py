"""`gitsync appset generate` with the inputs of the newer generators: --resources for
clusterDecisionResource and plugin (against a local plugin server), and the globbing
switch. Real subprocesses."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from tests.appset.fakeapis import fake_apis
from tests.appset.fixtures import FIXTURES
from tests.appset.test_cli import _assert_one_line_error, _run

DECISIONS = FIXTURES / "cluster_decision_resource"
TOKEN = "cli-plugin-token"


def test_cluster_decisions_from_a_resources_file() -> None:
    result = _run(
        str(DECISIONS / "appset.yaml"),
        "--clusters",
        str(DECISIONS / "clusters.yaml"),
        "--resources",
        str(DECISIONS / "resources.yaml"),
    )
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert docs == [d for d in yaml.safe_load_all((DECISIONS / "expected.yaml").read_text()) if d]


def test_cluster_decisions_without_resources_is_one_line_error() -> None:
    result = _run(str(DECISIONS / "appset.yaml"))
    _assert_one_line_error(result, "--resources")


def _plugin_files(tmp_path: Path, base_url: str) -> tuple[Path, Path]:
    appset = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "plugged", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "generators": [{"plugin": {"configMapRef": {"name": "plugin-cm"}}}],
            "template": {
                "metadata": {"name": "app-{{ .id }}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://example.com/r.git", "path": "a"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                },
            },
        },
    }
    resources = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "plugin-cm", "namespace": "argocd"},
            "data": {"baseUrl": base_url, "token": "$plugin.token"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "argocd-secret", "namespace": "argocd"},
            "data": {"plugin.token": base64.b64encode(TOKEN.encode()).decode()},
        },
    ]
    appset_file, resources_file = tmp_path / "appset.yaml", tmp_path / "resources.yaml"
    appset_file.write_text(yaml.safe_dump(appset))
    resources_file.write_text(yaml.safe_dump_all(resources))
    return appset_file, resources_file


def test_plugin_generator_through_the_cli(tmp_path: Path) -> None:
    with fake_apis() as apis:
        apis.plugin_token = TOKEN
        apis.plugin_output = {"output": {"parameters": [{"id": "one"}, {"id": "two"}]}}
        appset_file, resources_file = _plugin_files(tmp_path, apis.url)
        result = _run(str(appset_file), "--resources", str(resources_file))
        assert result.returncode == 0, result.stderr
        names = [d["metadata"]["name"] for d in yaml.safe_load_all(result.stdout) if d]
        assert names == ["app-one", "app-two"]

        apis.plugin_status = 502
        failed = _run(str(appset_file), "--resources", str(resources_file))
        _assert_one_line_error(failed, "HTTP 502")
        assert TOKEN not in failed.stderr
