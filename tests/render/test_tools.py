"""Helm, Kustomize and Jsonnet sources, each rendered when its tool is present."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gitsync.errors import ManifestError, RenderError, SourceError
from gitsync.render import Renderer, RenderOptions, helm_available, kustomize_command
from gitsync.render.options import JsonnetOptions, JsonnetVar
from gitsync.source import RepoCache
from tests.gitrepo import GitRepo
from tests.render.helpers import cm, local_tree

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicas: 1\ntag: stable\n",
    "charts/web/prod-values.yaml": "replicas: 3\n",
    "charts/web/templates/_helpers.tpl": (
        '{{- define "web.name" -}}{{ .Release.Name }}-web{{- end -}}\n'
    ),
    "charts/web/templates/NOTES.txt": "Installed {{ .Release.Name }}\n",
    "charts/web/templates/cm.yaml": textwrap.dedent(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ include "web.name" . }}
          namespace: {{ .Release.Namespace }}
        data:
          replicas: {{ .Values.replicas | quote }}
          tag: {{ .Values.tag | quote }}
          color: {{ .Values.color | default "none" | quote }}
        """
    ),
    "charts/web/crds/crd.yaml": (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: widgets.example.com\n"
    ),
}


@pytest.mark.skipif(not helm_available(), reason="neither helm-python-sdk nor helm installed")
def test_helm_chart(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, CHART)
    options = RenderOptions.from_source(
        {
            "helm": {
                "releaseName": "shop",
                "valueFiles": ["prod-values.yaml"],
                "values": "tag: v2\n",
                "valuesObject": {"color": "blue"},
                "parameters": [{"name": "tag", "value": "v3"}],
            }
        },
        namespace="prod",
    )
    manifests = Renderer().render(tree, "charts/web", options)
    assert [str(m.key) for m in manifests] == [
        "CustomResourceDefinition/widgets.example.com",
        "ConfigMap/prod/shop-web",
    ]
    assert manifests[1].obj["data"] == {"replicas": "3", "tag": "v3", "color": "blue"}
    assert manifests[1].source == "charts/web/templates/cm.yaml"
    skip = RenderOptions.from_source({"helm": {"skipCrds": True}}, app_name="x")
    assert [m.kind for m in Renderer().render(tree, "charts/web", skip)] == ["ConfigMap"]


@pytest.mark.skipif(not helm_available(), reason="neither helm-python-sdk nor helm installed")
def test_helm_template_error_is_render_error(tmp_path: Path) -> None:
    files = dict(CHART)
    files["charts/web/templates/bad.yaml"] = "{{ .Values.nope.deeper }}\n"
    tree = local_tree(tmp_path, files)
    with pytest.raises(RenderError) as info:
        Renderer().render(tree, "charts/web")
    assert "charts/web" in str(info.value) and "\n" not in str(info.value)
    assert "bad.yaml:1" in str(info.value)


KUSTOMIZE = {
    "base/kustomization.yaml": "resources:\n- cm.yaml\n",
    "base/cm.yaml": cm("settings"),
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamePrefix: prod-\n",
    "unrelated/big.yaml": cm("unrelated"),
}


@pytest.mark.skipif(kustomize_command() is None, reason="neither kustomize nor kubectl on PATH")
def test_kustomize_overlay_with_base_from_git(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", files=dict(KUSTOMIZE))  # type: ignore[arg-type]
    cache = RepoCache(tmp_path / "cache")
    tree = cache.tree(repo.url, cache.resolve(repo.url))
    manifests = Renderer().render(tree, "overlays/prod")
    assert [str(m.key) for m in manifests] == ["ConfigMap/prod-settings"]
    options = RenderOptions.from_source(
        {"kustomize": {"namespace": "team", "commonLabels": {"tier": "web"}}}
    )
    [labelled] = Renderer().render(tree, "overlays/prod", options)
    assert str(labelled.key) == "ConfigMap/team/prod-settings"
    assert labelled.labels == {"tier": "web"}


@pytest.mark.skipif(kustomize_command() is None, reason="neither kustomize nor kubectl on PATH")
def test_kustomize_reference_outside_repo_is_refused(tmp_path: Path) -> None:
    tree = local_tree(tmp_path / "repo", {"app/kustomization.yaml": "resources:\n- ../../../etc\n"})
    with pytest.raises(SourceError, match="leaves the repository"):
        Renderer().render(tree, "app")


@pytest.mark.skipif(kustomize_command() is None, reason="neither kustomize nor kubectl on PATH")
@pytest.mark.parametrize("ref", ["file:///var/cache/gitsync/x.git", "git::file:///srv/repo"])
def test_kustomize_resource_from_a_local_repository_is_refused(tmp_path: Path, ref: str) -> None:
    """kustomize clones ``file://`` resources itself, which would read the controller's disk."""
    tree = local_tree(tmp_path / "repo", {"app/kustomization.yaml": f"resources:\n- {ref}\n"})
    with pytest.raises(SourceError, match="local disk are refused"):
        Renderer().render(tree, "app")


def test_jsonnet_with_imports_tlas_and_ext_vars(tmp_path: Path) -> None:
    tree = local_tree(
        tmp_path,
        {
            "lib/cm.libsonnet": "{ cm(name, ns):: {apiVersion: 'v1', kind: 'ConfigMap', "
            "metadata: {name: name, namespace: ns}} }",
            "app/main.jsonnet": "local k = import '../lib/cm.libsonnet';\n"
            "function(env) [k.cm('a-' + env, std.extVar('ns')), k.cm('b-' + env, 'x')]",
        },
    )
    options = RenderOptions(
        directory=RenderOptions().directory.__class__(
            jsonnet=JsonnetOptions(
                tlas=(JsonnetVar("env", "prod"),), ext_vars=(JsonnetVar("ns", "shop"),)
            )
        )
    )
    manifests = Renderer().render(tree, "app", options)
    assert [str(m.key) for m in manifests] == ["ConfigMap/shop/a-prod", "ConfigMap/x/b-prod"]
    assert [m.source for m in manifests] == ["app/main.jsonnet#0", "app/main.jsonnet#1"]


def test_jsonnet_import_escape_and_error_line(tmp_path: Path) -> None:
    escape = local_tree(tmp_path / "a", {"app/main.jsonnet": "import '../../../etc/passwd'"})
    with pytest.raises(SourceError, match="leaves the repository"):
        Renderer().render(escape, "app")
    broken = local_tree(tmp_path / "b", {"app/main.jsonnet": "{\n  a: 1 +\n}\n"})
    with pytest.raises(ManifestError) as info:
        Renderer().render(broken, "app")
    assert info.value.location == "app/main.jsonnet:3"
