"""Manifests from an app's source: plain directories, Jsonnet, Helm charts, Kustomize."""

from gitsync.render.helm import helm_available
from gitsync.render.kustomize import kustomize_command
from gitsync.render.options import (
    DirectoryOptions,
    HelmOptions,
    HelmParameter,
    JsonnetOptions,
    JsonnetVar,
    KustomizeOptions,
    RenderOptions,
)
from gitsync.render.renderer import Renderer, detect_source_type

__all__ = [
    "DirectoryOptions",
    "HelmOptions",
    "HelmParameter",
    "JsonnetOptions",
    "JsonnetVar",
    "KustomizeOptions",
    "RenderOptions",
    "Renderer",
    "detect_source_type",
    "helm_available",
    "kustomize_command",
]
