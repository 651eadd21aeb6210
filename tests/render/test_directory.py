"""Plain directory sources: file kinds, documents, Lists and file selection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitsync.render import DirectoryOptions, Renderer, RenderOptions
from tests.render.helpers import cm, local_tree


def names(manifests: list) -> list[str]:  # type: ignore[type-arg]
    return [m.key.name for m in manifests]


def test_multi_document_list_empty_docs_and_json(tmp_path: Path) -> None:
    tree = local_tree(
        tmp_path,
        {
            "app/a.yaml": "---\n" + cm("a1") + "---\n---\n# only a comment\n---\n" + cm("a2"),
            "app/b.yml": "apiVersion: v1\nkind: List\nitems:\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: b1}}\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: b2}}\n",
            "app/c.json": json.dumps(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
            ),
            "app/empty.yaml": "",
            "app/notes.txt": "not a manifest",
            "app/sub/d.yaml": cm("d"),
        },
    )
    manifests = Renderer().render(tree, "app")
    assert names(manifests) == ["a1", "a2", "b1", "b2", "c"]
    assert [m.source for m in manifests] == [
        "app/a.yaml#0",
        "app/a.yaml#3",
        "app/b.yml#items[0]",
        "app/b.yml#items[1]",
        "app/c.json",
    ]


def test_dates_stay_strings(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/a.yaml": cm("a") + "data:\n  day: 2024-01-31\n"})
    [manifest] = Renderer().render(tree, "app")
    assert manifest.obj["data"]["day"] == "2024-01-31"


@pytest.mark.parametrize(
    ("directory", "expected"),
    [
        (DirectoryOptions(), ["top"]),
        (DirectoryOptions(recurse=True), ["deep", "top", "x", "y"]),
        (DirectoryOptions(recurse=True, include="*.yaml"), ["deep", "top", "x"]),
        (DirectoryOptions(recurse=True, include="{one,two}/*"), ["deep", "x", "y"]),
        (DirectoryOptions(recurse=True, exclude="two/*"), ["deep", "top"]),
        (DirectoryOptions(recurse=True, include="*.yaml", exclude="*deep*"), ["top", "x"]),
    ],
)
def test_recurse_include_exclude(
    tmp_path: Path, directory: DirectoryOptions, expected: list[str]
) -> None:
    tree = local_tree(
        tmp_path,
        {
            "app/top.yaml": cm("top"),
            "app/one/deep.yaml": cm("deep"),
            "app/two/x.yaml": cm("x"),
            "app/two/y.json": json.dumps(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}}
            ),
        },
    )
    manifests = Renderer().render(tree, "app", RenderOptions(directory=directory))
    assert names(manifests) == expected


def test_from_source_reads_argo_cd_fields() -> None:
    options = RenderOptions.from_source(
        {
            "repoURL": "https://example.com/repo.git",
            "path": "apps/web",
            "directory": {
                "recurse": True,
                "include": "*.yaml",
                "jsonnet": {"tlas": [{"name": "env", "value": "prod"}]},
            },
        }
    )
    assert options.source_type == "Directory"
    assert options.directory.recurse and options.directory.include == "*.yaml"
    assert options.directory.jsonnet.tlas[0].name == "env"
    helm = RenderOptions.from_source(
        {"helm": {"valueFiles": ["v.yaml"], "parameters": [{"name": "a", "value": 1}]}},
        app_name="web",
        namespace="prod",
    )
    assert helm.helm.release_name == "web" and helm.helm.namespace == "prod"
    assert helm.helm.parameters[0].value == "1"
    assert helm.fingerprint() != options.fingerprint()
