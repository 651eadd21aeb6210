"""One app compared: its sources resolved and rendered, checked against its project, the
rendered objects diffed against the destination's live objects, and their health read.

The result (`Compared`) is what a sync would start from; the app's status gets the
comparison's sync status, resources and health. An app that cannot be compared (an
unknown destination, a source gitsync cannot render in full, a refused object) raises a
`GitsyncError`, which the controller shows as a `ComparisonError`: nothing is synced,
and so nothing is pruned, from a comparison that did not finish.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from gitsync.controller.appsources import SourceRenderer, refuse_duplicates
from gitsync.controller.argocdcm import ArgoCdConfigMap
from gitsync.controller.cachedcluster import CachedCluster
from gitsync.controller.clusters import ClusterRegistry, Destination
from gitsync.controller.config import ControllerConfig
from gitsync.controller.inventory import app_inputs
from gitsync.controller.ordering import parse_depends_on, parse_wave
from gitsync.controller.projects import ProjectSource
from gitsync.controller.requests import SyncRequests
from gitsync.controller.revisions import Revisions
from gitsync.controller.scope import check_scope
from gitsync.controller.status import AppStatus, ResourceStatus
from gitsync.diff import IgnoreDifferences
from gitsync.diff.live import LiveDiffer
from gitsync.errors import GitsyncError, UnknownKindError
from gitsync.health import aggregate, assess
from gitsync.kube import Cluster
from gitsync.model import Application, Manifest, SourceKey
from gitsync.model.keys import ResourceKey
from gitsync.project import AppProject
from gitsync.project.enforce import check_application, check_objects, project_of
from gitsync.source import redact_url

_FULL_SHA = re.compile(r"[0-9a-f]{40}")


class UnknownDestinationError(GitsyncError):
    """An Application names a cluster the controller does not know."""


class UnsupportedSourceError(GitsyncError):
    """An Application's source is of a kind gitsync cannot render in full."""


@dataclass(frozen=True)
class Compared:
    """An app as this reconcile compared it: what a sync would start from."""

    app: Application
    status: AppStatus
    manifests: list[Manifest]
    namespace: str
    sha: str
    inputs: str
    ignore: IgnoreDifferences
    dest: Destination
    project: AppProject
    pinned: str = ""  # the SHA a rollback or `sync --revision` pinned this compare to


class Comparer:
    """Compares apps, keeping per app what it last rendered and the diff, for the API."""

    def __init__(
        self,
        config: ControllerConfig,
        *,
        revisions: Revisions,
        requests: SyncRequests,
        registry: ClusterRegistry,
        projects: ProjectSource,
        sources: SourceRenderer,
        argocd_cm: ArgoCdConfigMap | None,
    ) -> None:
        self._config = config
        self._revisions = revisions
        self._requests = requests
        self._registry = registry
        self._projects = projects
        self._sources = sources
        self._argocd_cm = argocd_cm
        self._lock = threading.Lock()
        self._differs: dict[int, LiveDiffer] = {}
        self._desired: dict[str, list[dict[str, Any]]] = {}  # app -> objects last compared
        self._diffs: dict[str, list[dict[str, Any]]] = {}  # per app, for the web UI

    def connect(self, dest: Destination) -> None:
        """A destination was connected: diffs against it read its watch cache."""
        with self._lock:
            self._differs[id(dest)] = LiveDiffer(CachedCluster(dest.cluster, dest.cache))

    def desired(self, name: str) -> list[dict[str, Any]] | None:
        with self._lock:
            found = self._desired.get(name)
            return list(found) if found is not None else None

    def diff(self, name: str) -> list[dict[str, Any]] | None:
        with self._lock:
            return self._diffs.get(name)

    def forget(self, name: str) -> None:
        with self._lock:
            self._desired.pop(name, None)
            self._diffs.pop(name, None)

    def compare(self, app: Application, status: AppStatus) -> Compared:
        """Compare `app`, writing the outcome into `status`; raises `GitsyncError` when the
        comparison cannot finish."""
        name = app.name
        unsupported = app.unsupported_source()
        if unsupported:
            raise UnsupportedSourceError(unsupported)
        resolved, pinned = self._resolved(app)
        sha = app.revision_of(resolved) or ""
        structlog.contextvars.bind_contextvars(revision=sha[:12])
        if status.revision != sha or not status.commit:
            status.commit = self._revisions.commit_summary(app, sha)
        status.revision = sha
        dest = self._registry.find(app.destination.server, app.destination.name)
        if dest is None:
            wanted = app.destination.server or app.destination.name
            raise UnknownDestinationError(f"destination cluster {wanted!r} is not registered")
        project = project_of(app, self._projects.current())
        check_application(app, project, dest.record.name)
        namespace = app.destination.namespace or "default"
        rendered = self._sources.render(app, resolved, namespace, dest.cluster)
        manifests = [m for m, _ in rendered]
        desired = [_with_namespace(dest.cluster, m.obj, namespace) for m in manifests]
        if self._config.watched_namespaces:
            check_scope(namespace, desired, self._config.watched_namespaces)
        refuse_duplicates(desired, [where for _, where in rendered])
        check_objects(app, project, desired, _has_namespace, dest.record.name)
        with self._lock:
            self._desired[name] = desired
            differ = self._differs[id(dest)]
        ignore = IgnoreDifferences.from_app_spec(list(app.ignore_differences))
        if self._argocd_cm is not None:  # the ConfigMap's rules apply to every app
            ignore = IgnoreDifferences((*self._argocd_cm.ignore.rules, *ignore.rules))
        diff = differ.diff_app(name, desired, ignore=ignore)
        status.resources = [
            ResourceStatus(
                group=r.key.group,
                kind=r.key.kind,
                namespace=r.key.namespace,
                name=r.key.name,
                status=r.status.value,
            )
            for r in diff.resources
        ]
        status.sync_status = "Synced" if diff.in_sync else "OutOfSync"
        diffs = [
            {
                "kind": r.key.kind,
                "namespace": r.key.namespace,
                "name": r.key.name,
                "diff_text": r.unified,
            }
            for r in diff.resources
        ]
        with self._lock:
            self._diffs[name] = diffs
        status.message = ""
        status.conditions = []
        assess_health(dest, manifests, desired, status)
        inputs = app_inputs(app, sha)
        return Compared(
            app, status, manifests, namespace, sha, inputs, ignore, dest, project, pinned
        )

    def _resolved(self, app: Application) -> tuple[dict[SourceKey, str], str]:
        """Each source's revision, and the SHA a pin replaces them all with ("" for none)."""
        resolved = {key: self._revisions.resolve(key, force=False) for key in app.source_keys}
        pinned = self._requests.pin_of(app.name)
        if not pinned:
            return resolved, ""
        if not _FULL_SHA.fullmatch(pinned):
            try:
                sha = self._revisions.resolve_pin(app, pinned)
            except GitsyncError as err:
                # a name that does not resolve drops the request, saying why
                self._requests.refuse_pin(app.name, f"sync to {pinned}: {err}")
                raise
            self._requests.pin_resolved(app.name, sha)
            pinned = sha
        return {key: pinned for key in resolved}, pinned


def describe(app: Application, status: AppStatus) -> None:
    """What the app's spec says, as its status shows it (before any comparison)."""
    status.wave = parse_wave(app.annotations)
    status.depends_on = list(parse_depends_on(app.annotations))
    src = (app.rendered_sources or app.sources)[0]
    status.project = app.project
    status.labels = dict(app.labels)
    status.sync_policy = _policy_text(app)
    status.repo = redact_url(src.repo_url)
    status.path = src.path
    status.chart = src.chart
    status.target_revision = src.key.revision
    status.destination = app.destination.server or app.destination.name
    status.destination_namespace = app.destination.namespace


def assess_health(
    dest: Destination,
    manifests: list[Manifest],
    desired: list[dict[str, Any]],
    status: AppStatus,
) -> None:
    """Each live resource's health, and the app's, from the destination's watch cache."""
    pairs: list[tuple[Manifest | None, dict[str, Any] | None]] = []
    by_key = {(r.kind, r.namespace, r.name): r for r in status.resources}
    for manifest, obj in zip(manifests, desired, strict=True):
        if manifest.sync.is_hook or manifest.sync.skip:
            continue
        key = ResourceKey.of(obj)
        live = dest.cache.get(key)
        pairs.append((manifest, live))
        found = by_key.get((key.kind, key.namespace, key.name))
        if found is not None and live is not None:
            health = assess(live)
            if health is not None:
                found.health = health.status.value
                found.message = health.message
    health = aggregate(pairs)
    status.health = health.status.value
    status.health_message = health.message


def _policy_text(app: Application) -> str:
    automated = app.sync_policy.automated
    if automated is None:
        return "manual"
    options = [
        n for n, on in (("prune", automated.prune), ("self-heal", automated.self_heal)) if on
    ]
    return f"automated ({', '.join(options)})" if options else "automated"


def _has_namespace(obj: Mapping[str, Any]) -> bool:
    """After `_with_namespace`, exactly the namespaced objects name a namespace."""
    return bool((obj.get("metadata") or {}).get("namespace"))


def _with_namespace(cluster: Cluster, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """`obj` with the destination namespace filled in when it is namespaced and names none."""
    meta = obj.get("metadata") or {}
    if meta.get("namespace"):
        return obj
    try:
        namespaced = bool(cluster.resource_for(str(obj["apiVersion"]), str(obj["kind"])).namespaced)
    except UnknownKindError:
        namespaced = True  # a custom resource whose CRD is not installed yet
    if not namespaced:
        return obj
    return {**obj, "metadata": {**meta, "namespace": namespace}}
