"""Sources rendered by a config management plugin: which plugin, then its manifests.

Selection follows Argo CD: a source naming a plugin gets that plugin (an error when it
is not configured, or when its discovery rules exist and do not match); a source with
``plugin: {}`` gets the first discoverable plugin that matches (an error when none
does); a source with no explicit type is tried against the discoverable plugins before
Kustomize, Helm and plain directories.
"""

from __future__ import annotations

from gitsync.errors import RenderError
from gitsync.model import Manifest
from gitsync.render.objects import manifests_from_documents
from gitsync.render.options import PluginOptions
from gitsync.render.parse import DocumentParser
from gitsync.render.pluginrun import (
    BuildContext,
    PluginLimits,
    ScratchCopy,
    build_environment,
    plugin_environment,
    run_command,
)
from gitsync.render.plugins import ConfigManagementPlugin, PluginSet, matches_files
from gitsync.source.tree import Tree


class PluginRunner:
    """Selects and runs plugins; counts runs (for tests and metrics)."""

    def __init__(self, plugins: PluginSet, limits: PluginLimits | None = None) -> None:
        self.plugins = plugins
        self.limits = limits or PluginLimits()
        self.runs = 0

    def select(
        self, tree: Tree, path: str, options: PluginOptions, context: BuildContext
    ) -> ConfigManagementPlugin | None:
        """The plugin for the source; None when it declares none and none discovers it."""
        where = path or "."
        if options.name:
            plugin = self.plugins.named(options.name)
            if plugin.discoverable and not self._discovers(plugin, tree, path, options, context):
                raise RenderError(
                    f"config management plugin {plugin.full_name} does not support {where}: "
                    "its discovery rules do not match"
                )
            return plugin
        for plugin in self.plugins.discoverable:
            if self._discovers(plugin, tree, path, options, context):
                return plugin
        if options.declared:
            if not self.plugins:
                raise RenderError(
                    f"{where}: the source asks for a config management plugin and none is "
                    "configured; give its ConfigManagementPlugin file with --plugin FILE"
                )
            raise RenderError(
                f"{where}: no configured config management plugin's discovery rules match "
                "(name one with spec.source.plugin.name)"
            )
        return None

    def render(
        self,
        plugin: ConfigManagementPlugin,
        tree: Tree,
        path: str,
        options: PluginOptions,
        context: BuildContext,
        parser: DocumentParser,
    ) -> list[Manifest]:
        env = plugin_environment(build_environment(tree, path, context), options)
        with ScratchCopy(tree, plugin.preserve_file_mode, self.limits) as scratch:
            cwd = scratch.repo / path if path else scratch.repo
            self.runs += 1
            if plugin.init is not None:
                run_command(plugin, "init", plugin.init, cwd, env, scratch.home, self.limits)
            output = run_command(
                plugin, "generate", plugin.generate, cwd, env, scratch.home, self.limits
            )
        name = f"{path or '.'} (plugin {plugin.full_name})"
        return manifests_from_documents(list(parser.parse(output, name)), name)

    def _discovers(
        self,
        plugin: ConfigManagementPlugin,
        tree: Tree,
        path: str,
        options: PluginOptions,
        context: BuildContext,
    ) -> bool:
        by_files = matches_files(plugin, tree, path)
        if by_files is not None:
            return by_files
        command = plugin.discover_command
        if command is None:
            return False
        env = plugin_environment(build_environment(tree, path, context), options)
        with ScratchCopy(tree, plugin.preserve_file_mode, self.limits) as scratch:
            cwd = scratch.repo / path if path else scratch.repo
            try:
                found = run_command(
                    plugin, "discover", command, cwd, env, scratch.home, self.limits
                )
            except RenderError:
                return False  # as Argo CD: a failing find command means "not supported"
        return bool(found.strip())
