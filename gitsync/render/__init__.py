"""Manifests from an app's source: plain directories, Jsonnet, Helm charts, Kustomize and
config management plugins."""

from gitsync.render.helm import helm_available
from gitsync.render.kustomize import kustomize_command
from gitsync.render.options import (
    DirectoryOptions,
    HelmOptions,
    HelmParameter,
    JsonnetOptions,
    JsonnetVar,
    KustomizeOptions,
    PluginOptions,
    RenderOptions,
)
from gitsync.render.pluginrun import DEFAULT_TIMEOUT as PLUGIN_TIMEOUT
from gitsync.render.pluginrun import BuildContext, PluginLimits
from gitsync.render.plugins import ConfigManagementPlugin, PluginSet, load_plugins
from gitsync.render.renderer import Renderer, detect_source_type

__all__ = [
    "PLUGIN_TIMEOUT",
    "BuildContext",
    "ConfigManagementPlugin",
    "DirectoryOptions",
    "HelmOptions",
    "HelmParameter",
    "JsonnetOptions",
    "JsonnetVar",
    "KustomizeOptions",
    "PluginLimits",
    "PluginOptions",
    "PluginSet",
    "RenderOptions",
    "Renderer",
    "detect_source_type",
    "helm_available",
    "kustomize_command",
    "load_plugins",
]
