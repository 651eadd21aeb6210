"""An Application's sources rendered together: Git paths, Helm repository charts, and
`ref` sources lending `$ref/...` value files to the others."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Mapping
from typing import Any

from gitsync.controller.config import ControllerConfig
from gitsync.errors import GitsyncError
from gitsync.kube import Cluster
from gitsync.model import Application, ApplicationSource, Manifest, SourceKey
from gitsync.model.keys import ResourceKey
from gitsync.render import BuildContext, PluginLimits, Renderer, RenderOptions, load_plugins
from gitsync.render.helmdeps import ChartDependencies
from gitsync.source import HelmRepoCache, RepoCache
from gitsync.source.credentials import BasicAuth

_KUBE_VERSION = re.compile(r"v?(\d+\.\d+\.\d+)")


class DuplicateResourceError(GitsyncError):
    """Two sources of one Application render the same object."""


def renderer_for(
    config: ControllerConfig, charts: HelmRepoCache, credentials: BasicAuth | None
) -> Renderer:
    """The controller's renderer: its plugins, and chart dependencies through `charts`.
    UserInputError when a plugin file is invalid."""
    plugins = load_plugins(config.plugins, [config.plugins_dir] if config.plugins_dir else [])
    return Renderer(
        plugins=plugins,
        plugin_limits=PluginLimits(timeout=config.plugin_timeout),
        dependencies=ChartDependencies(charts, credentials),
        limits=config.limits,
    )


class SourceRenderer:
    """Renders every source of an Application at its resolved revisions."""

    def __init__(
        self,
        repos: RepoCache,
        charts: HelmRepoCache,
        renderer: Renderer,
        chart_credentials: BasicAuth | None = None,
    ) -> None:
        self.repos = repos
        self.charts = charts
        self.renderer = renderer
        self.chart_credentials = chart_credentials
        self._versions: dict[int, str] = {}
        self._lock = threading.Lock()

    def render(
        self,
        app: Application,
        resolved: Mapping[SourceKey, str],
        namespace: str,
        cluster: Cluster | None = None,
    ) -> list[tuple[Manifest, str]]:
        """Every rendered source's manifests, each with the source it came from.
        `cluster` is the destination, whose version plugins see as KUBE_VERSION."""
        kube_version = self.kube_version(cluster) if cluster is not None else ""
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
            context = build_context(app, src, namespace, kube_version)
            if src.chart:
                chart = self.charts.tree(src.repo_url, src.chart, revision, self.chart_credentials)
                key = ("helm-repository", src.repo_url, src.chart, revision)
                found = self.renderer.render(chart, "", options, cache_key=key, context=context)
            else:
                tree = self.repos.tree(src.repo_url, revision)
                found = self.renderer.render(tree, src.path, options, context=context)
            where = src.chart or src.path or "."
            manifests.extend((manifest, where) for manifest in found)
        return manifests

    def kube_version(self, cluster: Cluster) -> str:
        """The cluster's version as ``1.32.0``, asked once per cluster ("" if unknown)."""
        with self._lock:
            known = self._versions.get(id(cluster))
        if known is not None:
            return known
        try:
            found = _KUBE_VERSION.match(str(cluster.ping().get("gitVersion") or ""))
        except GitsyncError:
            return ""  # asked again on the next render
        version = found.group(1) if found else ""
        with self._lock:
            self._versions[id(cluster)] = version
        return version


def build_context(
    app: Application, src: ApplicationSource, namespace: str, kube_version: str = ""
) -> BuildContext:
    """What a config management plugin learns of the app, as Argo CD tells it."""
    return BuildContext(
        app_name=app.name,
        app_namespace=namespace,
        project=app.project,
        repo_url=src.repo_url,
        target_revision=src.target_revision,
        kube_version=kube_version,
    )


def refuse_duplicates(desired: list[dict[str, Any]], sources: list[str]) -> None:
    """An object two sources both render is an error, not a silent winner."""
    origin: dict[ResourceKey, str] = {}
    for obj, where in zip(desired, sources, strict=True):
        key = ResourceKey.of(obj)
        seen = origin.setdefault(key, where)
        if seen != where:
            raise DuplicateResourceError(f"{key} is rendered by two sources ({seen} and {where})")
