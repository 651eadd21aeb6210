"""An ApplicationSet generates at most max-generated-apps Applications: a generator, a
matrix product (counted before it is built) or the sum over generators past it ends in
one LimitExceeded naming the bound, the field and the ApplicationSet."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from gitsync.appset import expand
from gitsync.model import ApplicationSet
from gitsync.render.limits import LimitExceeded, Limits, MiB
from gitsync.source import LocalTree
from gitsync.source.tree import Tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "limits"
TEMPLATE = {
    "metadata": {
        "name": "app{{ with .a }}-a{{ . }}{{ end }}{{ with .b }}-b{{ . }}{{ end }}"
        "{{ with .c }}-c{{ . }}{{ end }}"
    },
    "spec": {
        "project": "default",
        "source": {"repoURL": "https://example.com/repo.git", "path": "apps"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "default"},
    },
}


def appset(generators: list[dict[str, Any]]) -> ApplicationSet:
    obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "bomb"},
        "spec": {"goTemplate": True, "generators": generators, "template": TEMPLATE},
    }
    return ApplicationSet.from_object(obj, source="root/bomb.yaml")


def elements(key: str, count: int) -> dict[str, Any]:
    return {"list": {"elements": [{key: str(i)} for i in range(count)]}}


def no_git(repo_url: str, revision: str) -> Tree:
    raise AssertionError("no git generator here")


def refused(target: ApplicationSet, limits: Limits, trees: Any = no_git) -> str:
    with pytest.raises(LimitExceeded) as caught:
        expand(target, trees=trees, clusters=[], limits=limits)
    assert caught.value.bound == "max-generated-apps"
    message = str(caught.value)
    assert message.startswith("ApplicationSet bomb (root/bomb.yaml): ") and "\n" not in message
    return message


def test_a_1000x1000x1000_matrix_stops_before_building_the_product() -> None:
    matrix = {"matrix": {"generators": [elements(k, 1000) for k in "abc"]}}
    tracemalloc.start()
    try:
        message = refused(appset([matrix]), Limits())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "spec.generators[0].matrix" in message
    assert "exceeds max-generated-apps (10,000)" in message
    assert peak < 64 * MiB


def test_one_generator_past_the_bound() -> None:
    message = refused(appset([elements("a", 11)]), Limits(max_generated_apps=10))
    assert "spec.generators[0].list: 11 param sets" in message
    assert (
        len(
            expand(
                appset([elements("a", 10)]),
                trees=no_git,
                clusters=[],
                limits=Limits(max_generated_apps=10),
            )
        )
        == 10
    )


def test_generators_add_up() -> None:
    target = appset([elements("a", 6), elements("b", 6)])
    message = refused(target, Limits(max_generated_apps=10))
    assert "spec.generators: 12 param sets" in message


def test_merge_children_are_bounded_too() -> None:
    merge = {"merge": {"mergeKeys": ["a"], "generators": [elements("a", 3), elements("a", 50)]}}
    message = refused(appset([merge]), Limits(max_generated_apps=10))
    assert "spec.generators[0].merge.generators[1].list: 50 param sets" in message


def test_a_git_files_alias_bomb_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    bomb = (FIXTURES / "billion-laughs.yaml").read_text()
    (tmp_path / "config" / "app.yaml").write_text(bomb)
    git = {"git": {"repoURL": "https://example.com/c.git", "files": [{"path": "config/*.yaml"}]}}
    with pytest.raises(LimitExceeded) as caught:
        expand(appset([git]), trees=lambda url, rev: LocalTree(tmp_path), clusters=[])
    assert caught.value.bound == "max-manifest-bytes"
    assert "spec.generators[0].git.files: config/app.yaml: line " in str(caught.value)


def test_an_elements_yaml_alias_bomb_is_refused() -> None:
    lines = (FIXTURES / "billion-laughs.yaml").read_text().splitlines()
    levels = [line for line in lines if line[:1] in "abcdefghi" and line[1:2] == ":"]
    text = "- " + "\n  ".join(levels) + "\n"
    with pytest.raises(LimitExceeded) as caught:
        expand(appset([{"list": {"elementsYaml": text}}]), trees=no_git, clusters=[])
    assert caught.value.bound == "max-manifest-bytes"
