"""Fields of an Argo CD source that gitsync does not implement are refused, naming the
field: rendering without them would quietly produce other manifests than Argo CD does
(and pruning would then delete what the app really holds).

A field set to its empty/false value changes nothing and is accepted.
"""

from __future__ import annotations

from typing import Any

from gitsync.errors import RenderError

SOURCE_FIELDS = frozenset(
    {
        "repoURL",
        "path",
        "targetRevision",
        "chart",
        "ref",
        "name",  # a source's display name (multi-source apps)
        "helm",
        "kustomize",
        "directory",
        "plugin",
    }
)
# `passCredentials` only decides where credentials go; `version: v3` is the only Helm.
HELM_FIELDS = frozenset(
    {
        "valueFiles",
        "parameters",
        "fileParameters",
        "releaseName",
        "values",
        "valuesObject",
        "namespace",
        "skipCrds",
        "skipTests",
        "ignoreMissingValueFiles",
        "passCredentials",
        "version",
    }
)
KUSTOMIZE_FIELDS = frozenset(
    {"namePrefix", "nameSuffix", "namespace", "images", "commonLabels", "commonAnnotations"}
)
DIRECTORY_FIELDS = frozenset({"recurse", "include", "exclude", "jsonnet"})
JSONNET_FIELDS = frozenset({"extVars", "tlas", "libs"})
PLUGIN_FIELDS = frozenset({"name", "env", "parameters"})


def refuse_unsupported(source: dict[str, Any]) -> None:
    """RenderError naming the first field of `source` that would change the render and
    that gitsync does not implement."""
    _check(source, SOURCE_FIELDS, "spec.source")
    for key, known in (
        ("helm", HELM_FIELDS),
        ("kustomize", KUSTOMIZE_FIELDS),
        ("directory", DIRECTORY_FIELDS),
        ("plugin", PLUGIN_FIELDS),
    ):
        section = source.get(key)
        if isinstance(section, dict):
            _check(section, known, f"spec.source.{key}")
    directory = source.get("directory")
    if isinstance(directory, dict) and isinstance(directory.get("jsonnet"), dict):
        _check(directory["jsonnet"], JSONNET_FIELDS, "spec.source.directory.jsonnet")
    helm = source.get("helm")
    if isinstance(helm, dict) and str(helm.get("version") or "v3").lower() != "v3":
        raise RenderError(
            f"spec.source.helm.version {helm['version']!r} is not supported (only Helm v3)"
        )


def _check(section: dict[str, Any], known: frozenset[str], where: str) -> None:
    for key in sorted(section, key=str):
        if key not in known and _has_effect(section[key]):
            raise RenderError(f"{where}.{key} is not supported by gitsync")


def _has_effect(value: Any) -> bool:
    return value not in (None, False, "", [], {}, 0)
