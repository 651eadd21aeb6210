"""Render charts/gitsync through gitsync's own Helm path (the embedded Helm SDK)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from gitsync.render import HelmOptions, Renderer, RenderOptions
from gitsync.source import LocalTree

ROOT = Path(__file__).resolve().parents[2]
CHART = "charts/gitsync"
RELEASE = "gitsync"
NAMESPACE = "gitsync"
REPO = "https://git.example.com/platform/deploy.git"

needs_helm = pytest.mark.skipif(
    importlib.util.find_spec("helm_python") is None,
    reason="helm-python-sdk (gitsync[helm]) is not installed: the chart cannot be rendered",
)


def render_chart(values: dict[str, Any], namespace: str = NAMESPACE) -> list[dict[str, Any]]:
    """The chart's objects for `values`, as `gitsync render` would produce them."""
    options = RenderOptions(
        helm=HelmOptions(release_name=RELEASE, namespace=namespace, values_object=values)
    )
    manifests = Renderer().render(LocalTree(ROOT), CHART, options)
    return [manifest.obj for manifest in manifests]


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj.get("kind") == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(objects, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]
