"""Argo CD's `Application` (argoproj.io/v1alpha1) as a frozen, typed view of its YAML.

The whole object is kept in `obj`, so fields gitsync does not model (or that Argo CD adds
later) pass through untouched; the typed attributes are read from it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gitsync.errors import ManifestError
from gitsync.model.identity import IdentityError, check_application_name, check_namespace
from gitsync.model.optioncheck import UnknownOption, check_options

APPLICATION_API_GROUP = "argoproj.io"
APPLICATION_KIND = "Application"


class SourceKey(NamedTuple):
    """What a poll resolves: a Git revision of a repository, or for a chart from a Helm
    repository (`chart` set) the version constraint to pick a chart version with."""

    repo: str
    revision: str
    chart: str = ""


@dataclass(frozen=True)
class ApplicationSource:
    """One entry of `spec.source` / `spec.sources`; `raw` keeps every field as written."""

    repo_url: str
    path: str = ""
    target_revision: str = "HEAD"
    chart: str = ""
    ref: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> SourceKey:
        if self.chart:
            # no targetRevision (read as HEAD) means the newest stable chart version
            constraint = "" if self.target_revision == "HEAD" else self.target_revision
            return SourceKey(self.repo_url, constraint or "*", self.chart)
        return SourceKey(self.repo_url, self.target_revision or "HEAD")

    @property
    def helm(self) -> Mapping[str, Any] | None:
        return _mapping_or_none(self.raw.get("helm"))

    @property
    def kustomize(self) -> Mapping[str, Any] | None:
        return _mapping_or_none(self.raw.get("kustomize"))

    @property
    def directory(self) -> Mapping[str, Any] | None:
        return _mapping_or_none(self.raw.get("directory"))

    @property
    def plugin(self) -> Mapping[str, Any] | None:
        return _mapping_or_none(self.raw.get("plugin"))


@dataclass(frozen=True)
class Destination:
    """Where the resources go: a cluster by `server` URL or by registered `name`."""

    server: str = ""
    name: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class RetryBackoff:
    """`spec.syncPolicy.retry.backoff`: first delay, growth factor and cap."""

    duration: str = "5s"
    factor: int = 2
    max_duration: str = "3m"


@dataclass(frozen=True)
class RetryPolicy:
    """`spec.syncPolicy.retry`: how many times a failed sync is tried again."""

    limit: int = 0
    backoff: RetryBackoff = field(default_factory=RetryBackoff)


@dataclass(frozen=True)
class AutomatedSync:
    """`spec.syncPolicy.automated`: prune, selfHeal, allowEmpty."""

    prune: bool = False
    self_heal: bool = False
    allow_empty: bool = False


@dataclass(frozen=True)
class SyncPolicy:
    """`spec.syncPolicy`: automated sync, sync options and retry."""

    automated: AutomatedSync | None = None
    sync_options: tuple[str, ...] = ()
    retry: RetryPolicy | None = None


@dataclass(frozen=True)
class Application:
    """One Argo CD Application. `obj` is the full object (treat as read-only)."""

    name: str
    namespace: str
    project: str
    sources: tuple[ApplicationSource, ...]
    destination: Destination
    sync_policy: SyncPolicy
    ignore_differences: tuple[Mapping[str, Any], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    obj: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> ApplicationSource:
        """The first (for `spec.source`, the only) source."""
        return self.sources[0]

    @property
    def multi_source(self) -> bool:
        return "sources" in (self.obj.get("spec") or {})

    @property
    def rendered_sources(self) -> tuple[ApplicationSource, ...]:
        """The sources whose manifests make up the app: every one but those that only
        lend files to the others (`ref` with neither `path` nor `chart`)."""
        return tuple(s for s in self.sources if not (s.ref and not s.path and not s.chart))

    @property
    def source_keys(self) -> tuple[SourceKey, ...]:
        """What a poll resolves for this app, each once, in the order of the sources."""
        return tuple(dict.fromkeys(s.key for s in self.sources))

    def revision_of(self, resolved: Mapping[SourceKey, str]) -> str | None:
        """The app's revision from its sources' resolved revisions (comma-joined when it
        has several), or None while one is unknown."""
        found = [resolved.get(s.key) for s in self.sources]
        if any(r is None for r in found):
            return None
        return ",".join(str(r) for r in found)

    def unsupported_source(self) -> str:
        """Why gitsync cannot render this app's source, or "". Rendering part of what an
        app declares and then pruning the rest would delete live objects, so such an app
        is refused as a whole."""
        if not self.rendered_sources:
            return "no source to render: every source only names a ref"
        refs = {s.ref for s in self.sources if s.ref}
        for source in self.rendered_sources:
            for entry in _value_files(source):
                if entry.startswith("$") and entry[1:].partition("/")[0] not in refs:
                    return f"value file {entry} names no source with that ref"
        return ""

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    def to_object(self) -> dict[str, Any]:
        """A plain dict of the object (a deep copy: safe to change)."""
        copied: dict[str, Any] = _deep_copy(self.obj)
        return copied

    @classmethod
    def from_object(cls, obj: Any, source: str = "") -> Application:
        """Parse and validate an Application; ManifestError naming `source` when invalid."""
        where = source or None
        if not isinstance(obj, Mapping):
            raise ManifestError(f"expected an Application mapping, got {type(obj).__name__}", where)
        kind = obj.get("kind")
        if kind != APPLICATION_KIND:
            raise ManifestError(f"expected kind Application, got {kind!r}", where)
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):
            raise ManifestError("Application has no metadata", where)
        name = meta.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ManifestError("Application has no metadata.name", where)
        try:
            check_application_name(name)
        except IdentityError as err:
            raise ManifestError(f"Application: {err}", where) from None
        label = f"Application {name}"
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            raise ManifestError(f"{label}: has no spec", where)
        return cls(
            name=name,
            namespace=_string(meta.get("namespace"), f"{label}: metadata.namespace", where),
            project=_string(spec.get("project"), f"{label}: spec.project", where) or "default",
            sources=_parse_sources(spec, label, where),
            destination=_parse_destination(spec.get("destination"), label, where),
            sync_policy=_parse_sync_policy(spec.get("syncPolicy"), label, where),
            ignore_differences=_parse_ignore_differences(
                spec.get("ignoreDifferences"), label, where
            ),
            labels=_string_map(meta.get("labels"), f"{label}: metadata.labels", where),
            annotations=_string_map(
                meta.get("annotations"), f"{label}: metadata.annotations", where
            ),
            location=source,
            obj=obj if isinstance(obj, dict) else dict(obj),
        )


def _parse_sources(
    spec: Mapping[str, Any], label: str, where: str | None
) -> tuple[ApplicationSource, ...]:
    many = spec.get("sources")
    one = spec.get("source")
    if many:
        if not isinstance(many, list):
            raise ManifestError(f"{label}: spec.sources must be a list", where)
        return tuple(
            _parse_source(item, f"{label}: spec.sources[{i}]", where) for i, item in enumerate(many)
        )
    if one:
        return (_parse_source(one, f"{label}: spec.source", where),)
    raise ManifestError(f"{label}: has no source (spec.source or spec.sources)", where)


def _parse_source(raw: Any, what: str, where: str | None) -> ApplicationSource:
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{what} must be a mapping", where)
    repo_url = raw.get("repoURL")
    if not isinstance(repo_url, str) or not repo_url.strip():
        raise ManifestError(f"{what}.repoURL is missing", where)
    return ApplicationSource(
        repo_url=repo_url,
        path=_string(raw.get("path"), f"{what}.path", where),
        target_revision=_string(raw.get("targetRevision"), f"{what}.targetRevision", where)
        or "HEAD",
        chart=_string(raw.get("chart"), f"{what}.chart", where),
        ref=_string(raw.get("ref"), f"{what}.ref", where),
        raw=raw,
    )


def _value_files(source: ApplicationSource) -> list[str]:
    files = (source.helm or {}).get("valueFiles") or []
    return [str(f) for f in files] if isinstance(files, list) else []


def _parse_destination(raw: Any, label: str, where: str | None) -> Destination:
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{label}: has no spec.destination", where)
    server = _string(raw.get("server"), f"{label}: spec.destination.server", where)
    name = _string(raw.get("name"), f"{label}: spec.destination.name", where)
    if not server and not name:
        raise ManifestError(f"{label}: spec.destination needs a server or a name", where)
    if server and name:
        raise ManifestError(f"{label}: spec.destination has both server and name (give one)", where)
    namespace = _string(raw.get("namespace"), f"{label}: spec.destination.namespace", where)
    if namespace:
        try:
            check_namespace(namespace, "spec.destination.namespace")
        except IdentityError as err:
            raise ManifestError(f"{label}: {err}", where) from None
    return Destination(server=server, name=name, namespace=namespace)


def _parse_sync_policy(raw: Any, label: str, where: str | None) -> SyncPolicy:
    if raw is None:
        return SyncPolicy()
    what = f"{label}: spec.syncPolicy"
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{what} must be a mapping", where)
    automated: AutomatedSync | None = None
    auto = raw.get("automated")
    if auto is not None:
        if not isinstance(auto, Mapping):
            raise ManifestError(f"{what}.automated must be a mapping", where)
        automated = AutomatedSync(
            prune=_bool(auto.get("prune"), f"{what}.automated.prune", where),
            self_heal=_bool(auto.get("selfHeal"), f"{what}.automated.selfHeal", where),
            allow_empty=_bool(auto.get("allowEmpty"), f"{what}.automated.allowEmpty", where),
        )
    options = raw.get("syncOptions") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise ManifestError(f"{what}.syncOptions must be a list of strings", where)
    try:
        check_options(options)
    except UnknownOption as err:
        raise ManifestError(f"{what}.syncOptions: {err}", where) from None
    return SyncPolicy(
        automated=automated,
        sync_options=tuple(options),
        retry=_parse_retry(raw.get("retry"), f"{what}.retry", where),
    )


def _parse_retry(raw: Any, what: str, where: str | None) -> RetryPolicy | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{what} must be a mapping", where)
    backoff = raw.get("backoff") or {}
    if not isinstance(backoff, Mapping):
        raise ManifestError(f"{what}.backoff must be a mapping", where)
    defaults = RetryBackoff()
    return RetryPolicy(
        limit=_int(raw.get("limit"), 0, f"{what}.limit", where),
        backoff=RetryBackoff(
            duration=_duration(backoff.get("duration"), defaults.duration),
            factor=_int(backoff.get("factor"), defaults.factor, f"{what}.backoff.factor", where),
            max_duration=_duration(backoff.get("maxDuration"), defaults.max_duration),
        ),
    )


def _parse_ignore_differences(
    raw: Any, label: str, where: str | None
) -> tuple[Mapping[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise ManifestError(f"{label}: spec.ignoreDifferences must be a list of mappings", where)
    return tuple(raw)


def _string(value: Any, what: str, where: str | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ManifestError(f"{what} must be a string, got {type(value).__name__}", where)
    return value


def _bool(value: Any, what: str, where: str | None) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ManifestError(f"{what} must be true or false", where)
    return value


def _int(value: Any, default: int, what: str, where: str | None) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ManifestError(f"{what} must be an integer", where)
    return value


def _duration(value: Any, default: str) -> str:
    if value is None or value == "":
        return default
    return str(value)


def _string_map(value: Any, what: str, where: str | None) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(f"{what} must be a mapping", where)
    for key, item in value.items():
        if not isinstance(item, str):
            raise ManifestError(f"{what}.{key} must be a string (quote it)", where)
    return dict(value)


def _mapping_or_none(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _deep_copy(value: Any) -> Any:
    # Plain JSON-like data only: faster than copy.deepcopy and never shares a list or dict.
    if isinstance(value, Mapping):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value
