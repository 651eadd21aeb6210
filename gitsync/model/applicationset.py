"""Argo CD's `ApplicationSet` (argoproj.io/v1alpha1) as a frozen, typed view of its YAML.

Generators stay as the plain mappings the user wrote (`generators`): the appset package
interprets them. Unknown fields are kept in `obj`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitsync.errors import ManifestError

APPLICATIONSET_KIND = "ApplicationSet"
# Set on every generated Application: the name of the ApplicationSet that made it.
APPSET_ANNOTATION = "gitsync.io/appset"


class ApplicationsSync(StrEnum):
    """`spec.syncPolicy.applicationsSync`: what the set may do to apps it generated."""

    CREATE_ONLY = "create-only"
    CREATE_UPDATE = "create-update"
    CREATE_DELETE = "create-delete"
    SYNC = "sync"

    @property
    def may_update(self) -> bool:
        return self in (ApplicationsSync.CREATE_UPDATE, ApplicationsSync.SYNC)

    @property
    def may_delete(self) -> bool:
        return self in (ApplicationsSync.CREATE_DELETE, ApplicationsSync.SYNC)


@dataclass(frozen=True)
class AppSetSyncPolicy:
    """`spec.syncPolicy` of an ApplicationSet: what it may do to the apps it generates."""

    applications_sync: ApplicationsSync = ApplicationsSync.SYNC
    preserve_resources_on_deletion: bool = False


@dataclass(frozen=True)
class ApplicationSet:
    """One ApplicationSet. `obj` is the full object (treat as read-only)."""

    name: str
    namespace: str
    generators: tuple[Mapping[str, Any], ...]
    template: Mapping[str, Any]
    go_template: bool = False
    go_template_options: tuple[str, ...] = ()
    template_patch: str = ""
    sync_policy: AppSetSyncPolicy = field(default_factory=AppSetSyncPolicy)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    obj: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def missing_key_error(self) -> bool:
        """`goTemplateOptions: ["missingkey=error"]`: an unknown key fails the render."""
        return any(o.replace(" ", "") == "missingkey=error" for o in self.go_template_options)

    @property
    def strategy(self) -> Mapping[str, Any] | None:
        value = (self.obj.get("spec") or {}).get("strategy")
        return value if isinstance(value, Mapping) else None

    @classmethod
    def from_object(cls, obj: Any, source: str = "") -> ApplicationSet:
        """Parse and validate; ManifestError naming `source` and the field when invalid."""
        where = source or None
        if not isinstance(obj, Mapping):
            raise ManifestError(
                f"expected an ApplicationSet mapping, got {type(obj).__name__}", where
            )
        if obj.get("kind") != APPLICATIONSET_KIND:
            raise ManifestError(f"expected kind ApplicationSet, got {obj.get('kind')!r}", where)
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):
            raise ManifestError("ApplicationSet has no metadata", where)
        name = meta.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ManifestError("ApplicationSet has no metadata.name", where)
        label = f"ApplicationSet {name}"
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            raise ManifestError(f"{label}: has no spec", where)
        generators = spec.get("generators")
        if not isinstance(generators, list) or not generators:
            raise ManifestError(f"{label}: spec.generators must be a non-empty list", where)
        for index, generator in enumerate(generators):
            if not isinstance(generator, Mapping):
                raise ManifestError(f"{label}: spec.generators[{index}] must be a mapping", where)
        template = spec.get("template")
        if not isinstance(template, Mapping):
            raise ManifestError(f"{label}: spec.template must be a mapping", where)
        options = spec.get("goTemplateOptions") or []
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise ManifestError(f"{label}: spec.goTemplateOptions must be a list of strings", where)
        go_template = spec.get("goTemplate", False)
        if not isinstance(go_template, bool):
            raise ManifestError(f"{label}: spec.goTemplate must be true or false", where)
        patch = spec.get("templatePatch") or ""
        if not isinstance(patch, str):
            raise ManifestError(f"{label}: spec.templatePatch must be a string", where)
        return cls(
            name=name,
            namespace=str(meta.get("namespace") or ""),
            generators=tuple(generators),
            template=template,
            go_template=go_template,
            go_template_options=tuple(options),
            template_patch=patch,
            sync_policy=_parse_sync_policy(spec.get("syncPolicy"), label, where),
            labels=dict(meta.get("labels") or {}),
            annotations=dict(meta.get("annotations") or {}),
            location=source,
            obj=obj,
        )


def _parse_sync_policy(raw: Any, label: str, where: str | None) -> AppSetSyncPolicy:
    if raw is None:
        return AppSetSyncPolicy()
    what = f"{label}: spec.syncPolicy"
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{what} must be a mapping", where)
    value = raw.get("applicationsSync") or ApplicationsSync.SYNC.value
    try:
        mode = ApplicationsSync(value)
    except ValueError:
        allowed = ", ".join(m.value for m in ApplicationsSync)
        raise ManifestError(
            f"{what}.applicationsSync {value!r} is not one of {allowed}", where
        ) from None
    preserve = raw.get("preserveResourcesOnDeletion", False)
    if not isinstance(preserve, bool):
        raise ManifestError(f"{what}.preserveResourcesOnDeletion must be true or false", where)
    return AppSetSyncPolicy(applications_sync=mode, preserve_resources_on_deletion=preserve)
