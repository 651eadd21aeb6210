"""AppProject, in Argo CD's CRD shape (``argoproj.io/v1alpha1``), read into typed values.

Only what gitsync enforces is kept: where apps may come from and go to, which kinds they
may create, which namespaces may hold their Applications, orphaned-resource warnings and
sync windows. Anything malformed is a ProjectError naming the field, never a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitsync.errors import GitsyncError

API_VERSION = "argoproj.io/v1alpha1"
KIND = "AppProject"
DEFAULT_PROJECT = "default"


class ProjectError(GitsyncError):
    """An AppProject is malformed, missing, or forbids what an app asks for."""


@dataclass(frozen=True)
class GroupKind:
    """A ``{group, kind}`` entry of a resource white- or blacklist (globs allowed)."""

    group: str
    kind: str


@dataclass(frozen=True)
class ProjectDestination:
    """A ``destinations`` entry: server or cluster name, and namespace (globs, ``!``)."""

    server: str = ""
    name: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class SyncWindow:
    """A ``syncWindows`` entry: when syncs of the matching apps are allowed or denied."""

    kind: str  # allow | deny
    schedule: str  # cron, five fields
    duration: str  # Go duration: 1h, 30m, 1h30m
    applications: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    manual_sync: bool = False
    time_zone: str = "UTC"
    and_operator: bool = False
    description: str = ""


@dataclass(frozen=True)
class AppProject:
    """One AppProject. A None whitelist is absent (Argo CD: no limit for namespaced kinds);
    an empty one allows nothing."""

    name: str
    source_repos: tuple[str, ...] = ()
    destinations: tuple[ProjectDestination, ...] = ()
    cluster_resource_whitelist: tuple[GroupKind, ...] = ()
    cluster_resource_blacklist: tuple[GroupKind, ...] = ()
    namespace_resource_whitelist: tuple[GroupKind, ...] | None = None
    namespace_resource_blacklist: tuple[GroupKind, ...] = ()
    source_namespaces: tuple[str, ...] = ()
    orphaned_resources_warn: bool | None = None  # None: orphaned resources not monitored
    sync_windows: tuple[SyncWindow, ...] = field(default_factory=tuple)


def permissive_default() -> AppProject:
    """Argo CD's built-in ``default`` project, used when no AppProject of that name exists."""
    return AppProject(
        name=DEFAULT_PROJECT,
        source_repos=("*",),
        destinations=(ProjectDestination(server="*", name="*", namespace="*"),),
        cluster_resource_whitelist=(GroupKind("*", "*"),),
    )


def _strings(spec: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = spec.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProjectError(f"{where}: must be a mapping")
    return value


def _text(entry: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    value = entry.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ProjectError(f"{where}.{key}: must be a string")
    return value


def _group_kinds(spec: Mapping[str, Any], key: str, where: str) -> tuple[GroupKind, ...] | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise ProjectError(f"{where}: {key} must be a list of {{group, kind}}")
    found = []
    for index, raw in enumerate(value):
        at = f"{where}.{key}[{index}]"
        entry = _mapping(raw, at)
        found.append(GroupKind(_text(entry, "group", at), _text(entry, "kind", at)))
    return tuple(found)


def _destinations(spec: Mapping[str, Any], where: str) -> tuple[ProjectDestination, ...]:
    value = spec.get("destinations") or []
    if not isinstance(value, list):
        raise ProjectError(f"{where}: destinations must be a list")
    found = []
    for index, raw in enumerate(value):
        at = f"{where}.destinations[{index}]"
        entry = _mapping(raw, at)
        found.append(
            ProjectDestination(
                _text(entry, "server", at), _text(entry, "name", at), _text(entry, "namespace", at)
            )
        )
    return tuple(found)


def _windows(spec: Mapping[str, Any], where: str) -> tuple[SyncWindow, ...]:
    from gitsync.project.windows import validate_window

    value = spec.get("syncWindows") or []
    if not isinstance(value, list):
        raise ProjectError(f"{where}: syncWindows must be a list")
    found = []
    for index, raw in enumerate(value):
        at = f"{where}.syncWindows[{index}]"
        entry = _mapping(raw, at)
        window = SyncWindow(
            kind=_text(entry, "kind", at),
            schedule=_text(entry, "schedule", at),
            duration=_text(entry, "duration", at),
            applications=_strings(entry, "applications", at),
            namespaces=_strings(entry, "namespaces", at),
            clusters=_strings(entry, "clusters", at),
            manual_sync=bool(entry.get("manualSync", False)),
            time_zone=_text(entry, "timeZone", at, "UTC") or "UTC",
            and_operator=bool(entry.get("andOperator", False)),
            description=_text(entry, "description", at),
        )
        validate_window(window, at)
        found.append(window)
    return tuple(found)


def parse_project(obj: Mapping[str, Any]) -> AppProject:
    """An AppProject object (from Git or the cluster) as a typed value."""
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ProjectError("AppProject without metadata.name")
    where = f"AppProject/{name}"
    if obj.get("kind") != KIND:
        raise ProjectError(f"{where}: kind must be {KIND}")
    spec = _mapping(obj.get("spec") or {}, f"{where}.spec")
    orphaned = spec.get("orphanedResources")
    warn: bool | None = None
    if orphaned is not None:
        warn = bool(_mapping(orphaned, f"{where}.spec.orphanedResources").get("warn", True))
    return AppProject(
        name=name,
        source_repos=_strings(spec, "sourceRepos", where),
        destinations=_destinations(spec, where),
        cluster_resource_whitelist=_group_kinds(spec, "clusterResourceWhitelist", where) or (),
        cluster_resource_blacklist=_group_kinds(spec, "clusterResourceBlacklist", where) or (),
        namespace_resource_whitelist=_group_kinds(spec, "namespaceResourceWhitelist", where),
        namespace_resource_blacklist=_group_kinds(spec, "namespaceResourceBlacklist", where) or (),
        source_namespaces=_strings(spec, "sourceNamespaces", where),
        orphaned_resources_warn=warn,
        sync_windows=_windows(spec, where),
    )


def project_for(name: str, projects: Mapping[str, AppProject]) -> AppProject:
    """The project an app names; the built-in default when ``default`` is not defined."""
    wanted = name or DEFAULT_PROJECT
    if wanted in projects:
        return projects[wanted]
    if wanted == DEFAULT_PROJECT:
        return permissive_default()
    raise ProjectError(f"application references project {wanted!r}, which does not exist")
