"""Source fields gitsync does not implement are errors, never silently ignored."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.errors import RenderError
from gitsync.render import RenderOptions


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"helm": {"fileParameters": [{"name": "a"}]}}, "helm.fileParameters: a needs a path"),
        ({"helm": {"kubeVersion": "1.29"}}, "spec.source.helm.kubeVersion"),
        ({"helm": {"version": "v2"}}, "only Helm v3"),
        ({"kustomize": {"patches": [{"patch": "x"}]}}, "spec.source.kustomize.patches"),
        ({"kustomize": {"components": ["../c"]}}, "spec.source.kustomize.components"),
        ({"directory": {"jsonnet": {"libsonnet": ["x"]}}}, "directory.jsonnet.libsonnet"),
        ({"ksonnet": {"environment": "prod"}}, "spec.source.ksonnet"),
        ({"plugin": {"name": "p", "other": 1}}, "spec.source.plugin.other"),
        ({"plugin": {}, "helm": {"releaseName": "x"}}, "more than one of helm, plugin"),
    ],
)
def test_unsupported_fields_are_named(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message):
        RenderOptions.from_source({"repoURL": "r", "path": "p", **extra})


def test_fields_without_effect_are_accepted() -> None:
    options = RenderOptions.from_source(
        {
            "repoURL": "r",
            "path": "p",
            "name": "display name",
            "helm": {
                "version": "v3",
                "passCredentials": True,
                "fileParameters": [],
                "skipTests": True,
            },
            "kustomize": None,
        }
    )
    assert options.source_type == "Helm" and options.helm.skip_tests
    plugin = RenderOptions.from_source({"repoURL": "r", "plugin": {}})
    assert plugin.source_type == "Plugin" and plugin.plugin.declared and not plugin.plugin.name
