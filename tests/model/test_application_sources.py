"""Which Application sources gitsync renders, and the reason it gives for the others."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.model import Application

GIT = {"repoURL": "https://git.example.com/deploy.git", "path": "apps/web"}


def _app(spec: dict[str, Any]) -> Application:
    return Application.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {"destination": {"server": "https://kubernetes.default.svc"}, **spec},
        }
    )


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"source": GIT}, ""),
        ({"sources": [GIT]}, ""),
        ({"sources": [GIT, {**GIT, "path": "apps/db"}]}, ""),
        ({"sources": [{**GIT, "path": "", "ref": "values"}]}, "no source to render"),
        (
            {"sources": [{**GIT, "helm": {"valueFiles": ["$vals/prod.yaml"]}}]},
            "value file $vals/prod.yaml names no source with that ref",
        ),
        ({"source": {"repoURL": "https://charts.example.com", "chart": "web"}}, ""),
    ],
)
def test_unsupported_sources_are_named(spec: dict[str, Any], reason: str) -> None:
    found = _app(spec).unsupported_source()
    if reason:
        assert found.startswith(reason)
    else:
        assert found == ""


def test_a_chart_source_is_keyed_by_its_version_constraint() -> None:
    chart = _app({"source": {"repoURL": "https://charts.example.com", "chart": "web"}})
    assert tuple(chart.source.key) == ("https://charts.example.com", "*", "web")
    pinned = _app(
        {"source": {"repoURL": "https://c.example.com", "chart": "web", "targetRevision": "1.*"}}
    )
    assert tuple(pinned.source.key) == ("https://c.example.com", "1.*", "web")
    assert tuple(_app({"source": GIT}).source.key) == (GIT["repoURL"], "HEAD", "")


def test_sources_that_only_lend_files_are_not_rendered() -> None:
    values = {"repoURL": "https://git.example.com/config.git", "ref": "values"}
    app = _app({"sources": [GIT, values, {**GIT, "path": "apps/db"}]})
    assert [s.path for s in app.rendered_sources] == ["apps/web", "apps/db"]
    assert app.source_keys == (
        (GIT["repoURL"], "HEAD", ""),
        ("https://git.example.com/config.git", "HEAD", ""),
    )
    resolved = {app.source_keys[0]: "a1", app.source_keys[1]: "b2"}
    assert app.revision_of(resolved) == "a1,b2,a1"
    assert app.revision_of({app.source_keys[0]: "a1"}) is None
    assert _app({"source": GIT}).revision_of({app.source_keys[0]: "a1"}) == "a1"
