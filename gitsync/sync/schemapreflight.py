"""The schema pre-flight of a sync's writes: facts gathered, the policy asked, the check run.

Wiring, for the operation's pre-flight (`dry_run_writes`):

    preflight = SchemaPreflight(cluster, facts_from_cluster(cluster))  # per cluster
    checks = preflight.for_plan(tasks)                                  # per operation
    verdict = checks.check(task, live, live_known=...)                  # per write
    if verdict.dry_run:
        ... the server dry run, as before ...
    elif verdict.error:
        ... a failure of the pre-flight (not transient) ...

`ClusterFacts` are the cluster-wide inputs: admission objects, namespaces, and where a
ResourceQuota or LimitRange lives. `facts_from_cluster` LISTs them (a one-shot sync);
`facts_from_cache` reads them from a watch cache that must see every object (no label
selector). Anything that cannot be read is "not known", and the policy keeps the server
dry run for whatever it would have decided.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gitsync.errors import KubeError, UnknownKindError
from gitsync.kube import Cluster, LiveCache
from gitsync.kube.cache import OutOfScopeError
from gitsync.kube.schemacheck import SchemaUnusable, describe_errors
from gitsync.model.keys import split_api_version
from gitsync.sync.preflightpolicy import (
    AdmissionRule,
    Check,
    NamespaceFacts,
    PreflightMode,
    TaskFacts,
    admission_matches,
    admission_rules,
    decide,
)
from gitsync.sync.task import Task

ADMISSION = "admissionregistration.k8s.io"
ADMISSION_KINDS = (
    (f"{ADMISSION}/v1", "ValidatingWebhookConfiguration"),
    (f"{ADMISSION}/v1", "MutatingWebhookConfiguration"),
    (f"{ADMISSION}/v1", "ValidatingAdmissionPolicy"),
    (f"{ADMISSION}/v1beta1", "MutatingAdmissionPolicy"),
)
NAMESPACE_KINDS = (("v1", "Namespace"), ("v1", "ResourceQuota"), ("v1", "LimitRange"))
FACT_KINDS = ADMISSION_KINDS + NAMESPACE_KINDS
_UNKNOWN_ADMISSION = ("admission objects that could not be read",)


@dataclass(frozen=True, slots=True)
class ClusterFacts:
    """What one cluster's admission and namespaces look like. None: not known."""

    admission: tuple[AdmissionRule, ...] | None = None
    namespaces: dict[str, bool] | None = None  # name -> terminating
    quotas: frozenset[str] | None = None  # namespaces holding a ResourceQuota
    limit_ranges: frozenset[str] | None = None  # namespaces holding a LimitRange


Lister = Callable[[str, str], list[dict[str, Any]]]

# Whether an object exists, told without a request (a watch cache): (known, live object).
KnownLive = Callable[[Task], tuple[bool, dict[str, Any] | None]]


def read_facts(list_kind: Lister) -> ClusterFacts:
    """The facts from `list_kind(api_version, kind)`. A kind the cluster does not serve has
    no objects; one that cannot be read (forbidden, out of scope, down) is not known."""

    def read(kinds: Sequence[tuple[str, str]]) -> list[dict[str, Any]] | None:
        found: list[dict[str, Any]] = []
        for api_version, kind in kinds:
            try:
                found.extend(list_kind(api_version, kind))
            except OutOfScopeError:
                return None
            except UnknownKindError:
                continue
            except KubeError:
                return None
        return found

    admission = read(ADMISSION_KINDS)
    namespaces = read([("v1", "Namespace")])
    quotas = read([("v1", "ResourceQuota")])
    limits = read([("v1", "LimitRange")])
    return ClusterFacts(
        admission=tuple(admission_rules(admission)) if admission is not None else None,
        namespaces=None if namespaces is None else {_name(n): _terminating(n) for n in namespaces},
        quotas=None if quotas is None else frozenset(_namespace(q) for q in quotas),
        limit_ranges=None if limits is None else frozenset(_namespace(r) for r in limits),
    )


def facts_from_cluster(cluster: Cluster) -> ClusterFacts:
    """LIST each kind once (seven requests, for a one-shot sync)."""
    return read_facts(lambda api_version, kind: cluster.list(api_version, kind))


def one_shot_source(cluster: Cluster, mode: PreflightMode) -> Callable[[], SchemaPreflight | None]:
    """The pre-flight of a one-shot sync: in mode schema, the facts LISTed when the
    pre-flight runs; in mode server, none (every write is dry-run)."""

    def make() -> SchemaPreflight | None:
        if mode is PreflightMode.SERVER:
            return None
        return SchemaPreflight(cluster, facts_from_cluster(cluster), mode)

    return make


def facts_from_cache(cache: LiveCache) -> ClusterFacts:
    """Read from a watch cache (the kinds are watched from the first call on). A cache
    that sees only labelled objects cannot tell: every fact is then not known."""
    return CachedFacts(cache).read()


class CachedFacts:
    """The facts of one cluster read from a watch cache, again for each operation. A kind
    the cluster does not serve (e.g. MutatingAdmissionPolicy on most clusters) would cost
    a discovery request at each read: it is taken as absent for `recheck_after` seconds."""

    def __init__(
        self,
        cache: LiveCache,
        *,
        recheck_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.recheck_after = recheck_after
        self.clock = clock
        self._unserved: dict[tuple[str, str], float] = {}  # kind -> when to look again
        self._lock = threading.Lock()

    def read(self) -> ClusterFacts:
        if self.cache.label_selector:
            return ClusterFacts()
        return read_facts(self._objects)

    def _objects(self, api_version: str, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            again_at = self._unserved.get((api_version, kind))
        if again_at is not None and self.clock() < again_at:
            raise UnknownKindError(f"the server does not serve kind {kind} in {api_version}")
        try:
            self.cache.ensure_kind(api_version, kind)
        except OutOfScopeError:
            raise
        except UnknownKindError:
            with self._lock:
                self._unserved[(api_version, kind)] = self.clock() + self.recheck_after
            raise
        return self.cache.objects(api_version, kind)


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _name(obj: dict[str, Any]) -> str:
    return str(_meta(obj).get("name") or "")


def _namespace(obj: dict[str, Any]) -> str:
    return str(_meta(obj).get("namespace") or "")


def _terminating(namespace: dict[str, Any]) -> bool:
    status = namespace.get("status")
    phase = status.get("phase") if isinstance(status, dict) else None
    return bool(_meta(namespace).get("deletionTimestamp")) or phase == "Terminating"


def _allocates(obj: dict[str, Any]) -> bool:
    """A Service asking for a fixed cluster IP, node port or health check port."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return False
    if spec.get("clusterIP") not in (None, "", "None") or spec.get("healthCheckNodePort"):
        return True
    ports = spec.get("ports")
    return any(isinstance(p, dict) and p.get("nodePort") for p in ports or [])


@dataclass(frozen=True, slots=True)
class Verdict:
    """The pre-flight of one write: dry-run it on the server, or the schema check's
    outcome (`error`: one line naming the object, None when it passed)."""

    dry_run: bool
    reason: str
    error: str | None = None


class SchemaPreflight:
    """The schema pre-flight of one cluster."""

    def __init__(
        self,
        cluster: Cluster,
        facts: ClusterFacts,
        mode: PreflightMode = PreflightMode.SCHEMA,
        *,
        undeclared_fields: bool = True,
        known_live: KnownLive | None = None,
    ) -> None:
        """`undeclared_fields`: whether fields the schema lacks fail the check (they do,
        as long as the writes are server-side applies, which refuse them).
        `known_live`: where the caller can tell whether an object exists at no request
        (the controller's watch cache); without it, an object not read is not known."""
        self.cluster = cluster
        self.facts = facts
        self.mode = mode
        self.undeclared_fields = undeclared_fields
        self.known_live = known_live

    def for_plan(self, tasks: Sequence[Task]) -> PlanPreflight:
        return PlanPreflight(self, tasks)


class PlanPreflight:
    """The schema pre-flight of one operation's writes."""

    def __init__(self, preflight: SchemaPreflight, tasks: Sequence[Task]) -> None:
        self.preflight = preflight
        writes = [t for t in tasks if not t.prune]
        self.new_namespaces = {t.name for t in writes if t.group == "" and t.kind == "Namespace"}
        self.planned_quotas = {t.namespace for t in writes if t.kind == "ResourceQuota"}
        self.planned_limits = {t.namespace for t in writes if t.kind == "LimitRange"}

    def known(self, task: Task) -> tuple[bool, dict[str, Any] | None]:
        """(known, live object) of a write not read, from `known_live` when given."""
        lookup = self.preflight.known_live
        if lookup is None or self.preflight.mode is PreflightMode.SERVER:
            return False, None
        return lookup(task)

    def check(self, task: Task, live: dict[str, Any] | None, *, live_known: bool = True) -> Verdict:
        """The pre-flight of one write (`live`: the object as it is, None when absent;
        `live_known` False when it was not read)."""
        cluster, facts = self.preflight.cluster, self.preflight.facts
        if self.preflight.mode is PreflightMode.SERVER:  # no schema to fetch
            unread = TaskFacts(group=task.group, kind=task.kind, live=None)
            return Verdict(True, decide(unread, PreflightMode.SERVER).reason)
        try:
            info = cluster.resource_for(task.api_version, task.kind)
            schema = cluster.schemas.for_kind(task.api_version, task.kind)
        except KubeError as err:
            return Verdict(True, f"the schema could not be read: {err}")
        group, version = split_api_version(task.api_version)
        operation = "UPDATE" if live is not None else "CREATE"
        if facts.admission is None:
            admission: tuple[str, ...] = _UNKNOWN_ADMISSION
        else:
            admission = admission_matches(
                facts.admission,
                group=group,
                version=version,
                resource=info.plural,
                operation=operation,
                namespaced=info.namespaced,
            )
        namespace = task.namespace or _namespace(task.obj) or cluster.default_namespace
        decision = decide(
            TaskFacts(
                group=group,
                kind=task.kind,
                live=(live is not None) if live_known else None,
                namespace=self._namespace_facts(namespace) if info.namespaced else None,
                hook=task.hook,
                schema=schema is not None,
                cel=schema is not None and schema.has_cel,
                admission=admission,
                allocates=group == "" and task.kind == "Service" and _allocates(task.obj),
            ),
            self.preflight.mode,
        )
        if decision.check is Check.SERVER or schema is None:
            return Verdict(True, decision.reason)
        try:
            errors = schema.validate(task.obj, undeclared=self.preflight.undeclared_fields)
        except SchemaUnusable as err:
            return Verdict(True, str(err))
        if not errors:
            return Verdict(False, decision.reason)
        shown = namespace if info.namespaced else ""
        return Verdict(False, decision.reason, describe_errors(task.kind, shown, task.name, errors))

    def _namespace_facts(self, namespace: str) -> NamespaceFacts:
        facts = self.preflight.facts
        known = facts.namespaces
        quota: bool | None = namespace in self.planned_quotas or None
        if quota is None and facts.quotas is not None:
            quota = namespace in facts.quotas
        limit_range: bool | None = namespace in self.planned_limits or None
        if limit_range is None and facts.limit_ranges is not None:
            limit_range = namespace in facts.limit_ranges
        return NamespaceFacts(
            exists=None if known is None else namespace in known,
            terminating=bool(known and known.get(namespace)),
            quota=quota,
            limit_range=limit_range,
            created_by_sync=namespace in self.new_namespaces,
        )
