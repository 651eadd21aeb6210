"""Which files a git files generator reads: Argo CD's default (Git pathspec, wildcards
cross directories) and, as an option, its newer doublestar globbing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitsync.appset import expand
from gitsync.appset.context import GeneratorEnv
from gitsync.errors import AppSetError
from gitsync.model import ApplicationSet
from gitsync.source import LocalTree

FILES = {
    "config.json": "root",
    "apps/a/config.json": "a",
    "apps/b/c/config.json": "bc",
    "apps/d/config.yaml": "d",
    "other/a/config.json": "other",
}


def _appset(*patterns: str, exclude: tuple[str, ...] = ()) -> ApplicationSet:
    items: list[dict[str, Any]] = [{"path": p} for p in patterns]
    items += [{"path": p, "exclude": True} for p in exclude]
    obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "files", "namespace": "argocd"},
        "spec": {
            "generators": [{"git": {"repoURL": "https://example.com/r.git", "files": items}}],
            "template": {
                "metadata": {"name": "{{name}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": "https://example.com/r.git", "path": "{{path}}"},
                    "destination": {"server": "https://kubernetes.default.svc"},
                },
            },
        },
    }
    return ApplicationSet.from_object(obj)


def _names(tmp_path: Path, appset: ApplicationSet, *, new: bool) -> list[str]:
    for path, name in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(f'{{"name": "{name}"}}\n')
    env = GeneratorEnv(new_git_file_globbing=new)
    apps = expand(appset, trees=lambda url, rev: LocalTree(tmp_path), clusters=[], env=env)
    return sorted(app.name for app in apps)


@pytest.mark.parametrize(
    ("patterns", "default", "newer"),
    [
        # The case that silently differs: `*` crosses `/` in Argo CD's default.
        (("apps/*/config.json",), ["a", "bc"], ["a"]),
        # `**` is two `*` in a pathspec: at least one directory before config.json.
        (("**/config.json",), ["a", "bc", "other"], ["a", "bc", "other", "root"]),
        (("apps/**/config.json",), ["a", "bc"], ["a", "bc"]),
        # A directory names every file below it in a pathspec; a glob needs wildcards.
        (("apps",), ["a", "bc", "d"], []),
        (("apps/*",), ["a", "bc", "d"], []),
        (("apps/?/config.*",), ["a", "d"], ["a", "d"]),
        (("apps/{a,b/c}/config.json",), [], ["a", "bc"]),
        (("config.json",), ["root"], ["root"]),
        (("*.json",), ["a", "bc", "other", "root"], ["root"]),
    ],
)
def test_default_and_newer_globbing(
    tmp_path: Path, patterns: tuple[str, ...], default: list[str], newer: list[str]
) -> None:
    appset = _appset(*patterns)
    assert _names(tmp_path, appset, new=False) == default
    assert _names(tmp_path, appset, new=True) == newer


def test_exclude_removes_what_its_pattern_matches(tmp_path: Path) -> None:
    appset = _appset("**/config.json", exclude=("apps/b",))
    assert _names(tmp_path, appset, new=False) == ["a", "other"]


def test_pattern_leaving_the_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AppSetError, match="must stay inside the repository"):
        _names(tmp_path, _appset("../x/*.json"), new=False)
