"""Renderer: an app's path in a Tree -> Manifests, choosing Helm, Kustomize or a directory.

Whole renders are cached by (tree identity or caller's key, path, options), so rendering
an unchanged commit again is a dictionary lookup; files are parsed once per blob.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Hashable

from gitsync.errors import SourceError
from gitsync.model import Manifest
from gitsync.render.directory import render_directory
from gitsync.render.helm import render_helm
from gitsync.render.helmdeps import ChartDependencies
from gitsync.render.helmfiles import with_file_parameters
from gitsync.render.kustomize import kustomization_file, render_kustomize
from gitsync.render.limits import DEFAULT_LIMITS, Budget, LimitExceeded, Limits
from gitsync.render.lru import LRU
from gitsync.render.options import RenderOptions
from gitsync.render.parse import CACHE_BUDGET, DocumentParser
from gitsync.render.pluginrun import BuildContext, PluginLimits
from gitsync.render.plugins import PluginSet
from gitsync.render.pluginsource import PluginRunner
from gitsync.render.sandbox import Sandbox
from gitsync.source.paths import clean_path
from gitsync.source.tree import Tree

DIRECTORY = "Directory"
HELM = "Helm"
KUSTOMIZE = "Kustomize"
PLUGIN = "Plugin"
_HOOK = "helm.sh/hook"
_TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
DEFAULT_OPTIONS = RenderOptions()

# App paths repeat on every poll; remembering their clean form keeps a cached render a
# dictionary lookup. A path clean_path refuses raises every time (errors are not cached).
_clean_path = functools.lru_cache(maxsize=16384)(clean_path)


def detect_source_type(tree: Tree, path: str, options: RenderOptions) -> str:
    """Argo CD's choice: an explicit type first, then a kustomization, then a chart."""
    if options.source_type:
        return options.source_type
    if kustomization_file(tree, path) is not None:
        return KUSTOMIZE
    if tree.is_file(f"{path}/Chart.yaml" if path else "Chart.yaml"):
        return HELM
    return DIRECTORY


class Renderer:
    """Renders app sources; safe to share between threads."""

    def __init__(
        self,
        cache_size: int = 256,
        parse_cache_size: int = 8192,
        *,
        plugins: PluginSet | None = None,
        plugin_limits: PluginLimits | None = None,
        dependencies: ChartDependencies | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        """`dependencies` fetches Helm chart dependencies (through its own Helm
        repository cache when none is given); `limits` bounds everything read or rendered
        (docs/limits.md)."""
        self.cache: LRU[Hashable, tuple[Manifest, ...]] = LRU(
            cache_size, max_weight=CACHE_BUDGET * limits.max_manifest_bytes
        )
        self.limits = limits
        self.sandbox = Sandbox(limits)
        self.parser = DocumentParser(parse_cache_size, limits, self.sandbox)
        bounded = dataclasses.replace(
            plugin_limits or PluginLimits(), memory=limits.render_memory_limit
        )
        self.plugins = PluginRunner(plugins or PluginSet(), bounded)
        self.dependencies = dependencies or ChartDependencies()

    def close(self) -> None:
        """Stop the render children still running (shutdown); later tool renders fail."""
        self.sandbox.close()

    def render(
        self,
        tree: Tree,
        path: str,
        options: RenderOptions | None = None,
        *,
        cache_key: tuple[Hashable, ...] | None = None,
        context: BuildContext | None = None,
    ) -> list[Manifest]:
        """The manifests at `path`, in file order.

        `cache_key` names the content (e.g. ``(repo_url, sha)``); without it, Git trees
        are keyed by their repository and commit and local directories are not cached.
        `context` is what a config management plugin learns of the app (its build
        environment); it is part of the cache key only where a plugin may render.
        Raises ManifestError (naming file and line), RenderError, SourceError, or
        LimitExceeded (naming the bound, the file and the app of `context`).
        """
        opts = options or DEFAULT_OPTIONS
        build = context or BuildContext()
        clean = _clean_path(path)
        key = self._key(tree, clean, opts, cache_key)
        if key is not None and self._may_use_plugin(opts):
            key = (key, build, self.plugins.plugins.digest())
        if key is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return list(cached)
        if not tree.is_dir(clean):
            raise SourceError(f"path {clean or '.'} does not exist at revision {tree.revision}")
        budget = Budget(self.limits)
        try:
            manifests = self._render(tree, clean, opts, build, budget)
        except LimitExceeded as err:
            raise err.within(f"app {build.app_name}" if build.app_name else "") from None
        if key is not None:
            self.cache.put(key, tuple(manifests), budget.bytes)
        return manifests

    def _render(
        self,
        tree: Tree,
        path: str,
        options: RenderOptions,
        context: BuildContext,
        budget: Budget,
    ) -> list[Manifest]:
        if self._may_use_plugin(options):
            plugin = self.plugins.select(tree, path, options.plugin, context)
            if plugin is not None:
                return self.plugins.render(plugin, tree, path, options.plugin, context, self.parser)
        kind = detect_source_type(tree, path, options)
        if kind == KUSTOMIZE:
            return render_kustomize(
                tree, path, options.kustomize, self.parser, self.sandbox, budget
            )
        if kind == HELM:
            chart = self.dependencies.with_dependencies(tree, path)
            helm = with_file_parameters(tree, path, options.helm)
            manifests = render_helm(chart, path, helm, self.parser, self.sandbox, budget)
            return _without_tests(manifests) if options.helm.skip_tests else manifests
        return render_directory(tree, path, options.directory, self.parser, self.sandbox, budget)

    def _may_use_plugin(self, options: RenderOptions) -> bool:
        """A source declaring a plugin, or one of no explicit type with discoverable
        plugins configured (Argo CD tries those before Kustomize and Helm)."""
        if options.plugin.declared:
            return True
        return not options.source_type and bool(self.plugins.plugins.discoverable)

    @staticmethod
    def _key(
        tree: Tree, path: str, options: RenderOptions, cache_key: tuple[Hashable, ...] | None
    ) -> Hashable | None:
        if cache_key is not None:
            return (cache_key, path, options.fingerprint())
        identity = getattr(tree, "identity", None)
        if isinstance(identity, str):
            return (identity, path, options.fingerprint())
        return None


def _without_tests(manifests: list[Manifest]) -> list[Manifest]:
    """Helm's ``--skip-tests``: drop test hooks."""
    kept: list[Manifest] = []
    for manifest in manifests:
        annotations = (manifest.obj.get("metadata") or {}).get("annotations") or {}
        hooks = {h.strip() for h in str(annotations.get(_HOOK, "")).split(",")}
        if not hooks & _TEST_HOOKS:
            kept.append(manifest)
    return kept
