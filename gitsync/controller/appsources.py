"""An Application's sources rendered together: Git paths, Helm repository charts, and
`ref` sources lending `$ref/...` value files to the others."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from gitsync.errors import GitsyncError
from gitsync.model import Application, Manifest, SourceKey
from gitsync.model.keys import ResourceKey
from gitsync.render import Renderer, RenderOptions
from gitsync.source import Credentials, HelmRepoCache, RepoCache


class DuplicateResourceError(GitsyncError):
    """Two sources of one Application render the same object."""


class SourceRenderer:
    def __init__(
        self,
        repos: RepoCache,
        charts: HelmRepoCache,
        renderer: Renderer,
        chart_credentials: Credentials | None = None,
    ) -> None:
        self.repos = repos
        self.charts = charts
        self.renderer = renderer
        self.chart_credentials = chart_credentials

    def render(
        self, app: Application, resolved: Mapping[SourceKey, str], namespace: str
    ) -> list[tuple[Manifest, str]]:
        """Every rendered source's manifests, each with the source it came from."""
        refs = {s.ref: s for s in app.sources if s.ref}
        manifests: list[tuple[Manifest, str]] = []
        for src in app.rendered_sources:
            revision = resolved[src.key]
            options = RenderOptions.from_source(
                dict(src.raw), app_name=app.name, namespace=namespace
            )
            referenced = []
            for ref, path in options.helm.referenced_entries():
                lender = refs[ref]  # unsupported_source() made sure it exists
                tree = self.repos.tree(lender.repo_url, resolved[lender.key])
                if tree.is_file(path):
                    text = tree.read_bytes(path).decode("utf-8", "replace")
                    referenced.append((f"${ref}/{path}", text))
            if referenced:
                helm = dataclasses.replace(options.helm, referenced_files=tuple(referenced))
                options = dataclasses.replace(options, helm=helm)
            if src.chart:
                chart = self.charts.tree(src.repo_url, src.chart, revision, self.chart_credentials)
                key = ("helm-repository", src.repo_url, src.chart, revision)
                found = self.renderer.render(chart, "", options, cache_key=key, app=app.name)
            else:
                tree = self.repos.tree(src.repo_url, revision)
                found = self.renderer.render(tree, src.path, options, app=app.name)
            where = src.chart or src.path or "."
            manifests.extend((manifest, where) for manifest in found)
        return manifests


def refuse_duplicates(desired: list[dict[str, Any]], sources: list[str]) -> None:
    """An object two sources both render is an error, not a silent winner."""
    origin: dict[ResourceKey, str] = {}
    for obj, where in zip(desired, sources, strict=True):
        key = ResourceKey.of(obj)
        seen = origin.setdefault(key, where)
        if seen != where:
            raise DuplicateResourceError(f"{key} is rendered by two sources ({seen} and {where})")
