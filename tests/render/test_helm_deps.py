"""Helm chart dependencies: vendored, file:// from the repository, and from a Helm
repository served over HTTP, with Chart.lock, condition, tags and alias."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.errors import RenderError, SourceError
from gitsync.render import Renderer, RenderOptions, helm_available
from gitsync.render.helmdeps import ChartDependencies, lock_digest
from gitsync.source import HelmRepoCache
from tests.helmrepo import chart_archive, serve_chart_repo
from tests.render.helpers import local_tree

pytestmark = pytest.mark.skipif(
    not helm_available(), reason="rendering needs helm-python-sdk (gitsync[helm]) or helm"
)

SUB_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}-{{ .Release.Name }}
data:
  greeting: {{ .Values.greeting | quote }}
"""


def chart_yaml(name: str, version: str, dependencies: list[dict[str, Any]] | None = None) -> str:
    doc: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": version}
    if dependencies is not None:
        doc["dependencies"] = dependencies
    return yaml.safe_dump(doc)


def subchart(prefix: str, name: str = "sub", version: str = "1.2.3") -> dict[str, str]:
    return {
        f"{prefix}/Chart.yaml": chart_yaml(name, version),
        f"{prefix}/values.yaml": "greeting: hello\n",
        f"{prefix}/templates/cm.yaml": SUB_TEMPLATE,
    }


def parent(dependencies: list[dict[str, Any]], values: str = "") -> dict[str, str]:
    return {
        "app/Chart.yaml": chart_yaml("app", "0.1.0", dependencies),
        "app/values.yaml": values,
        "app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parent\n",
    }


def names(
    tree: Any, values: dict[str, Any] | None = None, renderer: Renderer | None = None
) -> list[str]:
    source: dict[str, Any] = {"repoURL": "r", "path": "app"}
    if values:
        source["helm"] = {"valuesObject": values}
    options = RenderOptions.from_source(source, app_name="rel")
    manifests = (renderer or Renderer()).render(tree, "app", options)
    return sorted(f"{m.key.name}={m.obj.get('data', {}).get('greeting', '')}" for m in manifests)


def test_file_dependencies_with_condition_tags_and_alias(tmp_path: Path) -> None:
    files = {
        **subchart("libs/sub"),
        **parent(
            [
                {
                    "name": "sub",
                    "version": "~1.2.0",
                    "repository": "file://../libs/sub",
                    "condition": "sub.enabled",
                },
                {
                    "name": "sub",
                    "alias": "other",
                    "version": ">=1.0.0 <2.0.0",
                    "repository": "file://../libs/sub",
                    "tags": ["extra"],
                },
            ]
        ),
    }
    tree = local_tree(tmp_path, files)
    # An alias renames the subchart (.Chart.Name) and its values key.
    assert names(tree) == ["other-rel=hello", "parent=", "sub-rel=hello"]
    assert names(tree, {"sub": {"enabled": False}}) == ["other-rel=hello", "parent="]
    assert names(tree, {"tags": {"extra": False}}) == ["parent=", "sub-rel=hello"]
    assert names(tree, {"other": {"greeting": "hi"}, "sub": {"enabled": False}}) == [
        "other-rel=hi",
        "parent=",
    ]
    assert not (tmp_path / "app/charts").exists()  # the repository is left alone


def test_file_dependency_must_stay_inside_the_repository(tmp_path: Path) -> None:
    tree = local_tree(
        tmp_path / "repo",
        parent([{"name": "etc", "version": "*", "repository": "file://../../etc"}]),
    )
    with pytest.raises(RenderError, match=r"dependency etc from file://../../etc: .*leaves"):
        names(tree)


def test_file_dependency_version_and_missing_charts(tmp_path: Path) -> None:
    tree = local_tree(
        tmp_path,
        {
            **subchart("libs/sub"),
            **parent([{"name": "sub", "version": "^2.0.0", "repository": "file://../libs/sub"}]),
        },
    )
    with pytest.raises(RenderError, match=r"dependency sub .*1\.2\.3 does not satisfy '\^2\.0\.0'"):
        names(tree)
    other = local_tree(tmp_path / "b", parent([{"name": "gone", "version": "1.0.0"}]))
    with pytest.raises(RenderError, match="dependency gone: not in charts/ and no repository"):
        names(other)


def test_vendored_charts_are_used_as_they_are(tmp_path: Path) -> None:
    unreachable = "http://127.0.0.1:9/charts"
    files = {
        **parent([{"name": "sub", "version": "1.2.3", "repository": unreachable}]),
        **subchart("app/charts/sub"),
    }
    assert names(local_tree(tmp_path / "dir", files)) == ["parent=", "sub-rel=hello"]
    archived = parent([{"name": "web", "version": "1.0.0", "repository": unreachable}])
    tree = local_tree(
        tmp_path / "tgz", {**archived, "app/charts/web-1.0.0.tgz": chart_archive("web", "1.0.0")}
    )
    assert names(tree) == ["parent=", "rel-web=hi"]


def test_repository_dependencies_constraints_and_lock(tmp_path: Path) -> None:
    with serve_chart_repo(tmp_path / "charts") as charts:
        charts.add("web", "1.0.0")
        charts.add("web", "1.1.0")
        charts.add("web", "2.0.0")
        declared = [{"name": "web", "version": "^1.0.0", "repository": charts.url}]
        cache = HelmRepoCache(tmp_path / "cache")
        renderer = Renderer(dependencies=ChartDependencies(cache))
        trees: list[Any] = []

        def render(files: dict[str, str]) -> list[dict[str, Any]]:
            options = RenderOptions.from_source({"repoURL": "r", "path": "app"}, app_name="rel")
            trees.append(local_tree(tmp_path / f"repo{len(trees)}", files))
            tree = trees[-1]
            return [m.obj for m in renderer.render(tree, "app", options)]

        found = render(parent(declared))
        assert [o["data"]["chart"] for o in found if o["metadata"]["name"] == "rel-web"] == [
            "1.1.0"
        ]

        locked = [{"name": "web", "version": "1.0.0", "repository": charts.url}]
        lock = {"dependencies": locked, "digest": lock_digest(declared, locked)}
        found = render({**parent(declared), "app/Chart.lock": yaml.safe_dump(lock)})
        assert [o["data"]["chart"] for o in found if o["metadata"]["name"] == "rel-web"] == [
            "1.0.0"
        ]

        stale = {**lock, "digest": lock_digest([{**declared[0], "version": "^2.0.0"}], locked)}
        with pytest.raises(RenderError, match=r"Chart\.lock is out of sync"):
            render({**parent(declared), "app/Chart.lock": yaml.safe_dump(stale)})

        missing = [{"name": "nope", "version": "1.0.0", "repository": charts.url}]
        with pytest.raises(
            RenderError, match=f"dependency nope from {charts.url}: chart 'nope' not found"
        ):
            render(parent(missing))
        cache.close()


def test_unreachable_repository_names_chart_and_repository(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/charts"
    tree = local_tree(tmp_path, parent([{"name": "web", "version": "1.0.0", "repository": url}]))
    with pytest.raises(RenderError) as info:
        names(tree)
    message = str(info.value)
    assert message.startswith(f"chart app: dependency web from {url}: cannot fetch the index")


@pytest.mark.skipif(importlib.util.find_spec("helm_python") is None, reason="needs helm-python-sdk")
def test_lock_digest_is_helms(tmp_path: Path) -> None:
    sdk = importlib.import_module("helm_python")
    declared = [
        {"name": "sub", "version": "~1.2.0", "repository": "file://../sub", "condition": "sub.on"},
        {
            "name": "sub",
            "alias": "b",
            "version": ">=1.0.0 <2.0.0",
            "repository": "file://../sub",
            "tags": ["x"],
            "import-values": [{"child": "a", "parent": "b"}],
        },
    ]
    files = {**subchart("sub"), "app/Chart.yaml": chart_yaml("app", "0.1.0", declared)}
    local_tree(tmp_path, files)
    sdk.dependency_update(str(tmp_path / "app"))
    lock = yaml.safe_load((tmp_path / "app/Chart.lock").read_text())
    assert lock_digest(declared, lock["dependencies"]) == lock["digest"]


def test_file_parameters_set_a_files_content_literally(tmp_path: Path) -> None:
    content = "line one, with a comma\n{braces} and \\backslash\n"
    files = {
        **parent([]),
        "app/templates/file.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-file\n"
            "data:\n  config: {{ .Values.config.text | quote }}\n"
            "  root: {{ .Values.root | quote }}\n"
        ),
        "app/files/config.txt": content,
        "shared/root.txt": '{"json": true}',
    }
    tree = local_tree(tmp_path, files)
    source = {
        "repoURL": "r",
        "path": "app",
        "helm": {
            "parameters": [{"name": "config.text", "value": "overridden by the file"}],
            "fileParameters": [
                {"name": "config.text", "path": "files/config.txt"},
                {"name": "root", "path": "/shared/root.txt"},
            ],
        },
    }
    manifests = Renderer().render(tree, "app", RenderOptions.from_source(source))
    data = next(m.obj["data"] for m in manifests if m.key.name == "from-file")
    assert data == {"config": content, "root": '{"json": true}'}
    escape = {**source, "helm": {"fileParameters": [{"name": "x", "path": "../../etc/passwd"}]}}
    with pytest.raises(SourceError, match="leaves the repository"):
        Renderer().render(tree, "app", RenderOptions.from_source(escape))
    missing = {**source, "helm": {"fileParameters": [{"name": "x", "path": "nope.txt"}]}}
    with pytest.raises(RenderError, match=r"helm file parameter x: nope\.txt not found"):
        Renderer().render(tree, "app", RenderOptions.from_source(missing))
