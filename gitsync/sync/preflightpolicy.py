"""Which pre-flight each write needs: the schema check alone, or a server dry run.

A server dry run catches everything the real write would meet, at one request per
object. The cluster's OpenAPI schema (fetched once) catches wrong types, undeclared and
missing fields, enums, bounds and patterns at no request. What the schema cannot see
decides: an update of a live object (immutable fields, update admission, conflicts), a
kind without a schema or with CEL rules, admission webhooks and admission policies that
match the kind and operation, namespaces with a ResourceQuota (object counts) or, for
PersistentVolumeClaims, a LimitRange, a namespace not known to exist, Pods (the built-in
pod admission plugins), CRDs (the server's structural-schema rules), Services that ask
for a fixed cluster IP or node port (allocation) and hooks all keep their dry run.

Pure: facts in, a decision out. `admission_rules` and `admission_matches` answer "does
admission match this kind and operation" from the admission objects of a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PreflightMode(StrEnum):
    """How a sync checks its writes before the first one: a server dry run of every write
    (`server`), or the schema check where that is as good (`schema`)."""

    SERVER = "server"
    SCHEMA = "schema"


class Check(StrEnum):
    """The pre-flight of one write."""

    SCHEMA = "schema"  # the client-side schema check only: no request
    SERVER = "server"  # a server-side dry run


@dataclass(frozen=True, slots=True)
class Decision:
    """The pre-flight one write gets, and why (for logs and the operation's message)."""

    check: Check
    reason: str


@dataclass(frozen=True, slots=True)
class NamespaceFacts:
    """What is known of the namespace an object goes to. None: not known."""

    exists: bool | None = None
    terminating: bool = False
    quota: bool | None = None  # a ResourceQuota lives there
    limit_range: bool | None = None  # a LimitRange lives there
    created_by_sync: bool = False  # the sync itself creates it (before this object)


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the policy needs to know of one write."""

    group: str
    kind: str
    live: bool | None  # the object exists (None: not known)
    namespace: NamespaceFacts | None = None  # None: a cluster-scoped kind
    hook: bool = False
    schema: bool = True  # the cluster publishes a schema for the kind
    cel: bool = False  # the schema has CEL rules (x-kubernetes-validations)
    admission: tuple[str, ...] = ()  # admission objects matching this write
    allocates: bool = False  # a Service asking for a fixed cluster IP or node port


_POD_ADMISSION = (
    "Pods meet the built-in pod admission plugins (PodSecurity, LimitRanger, ServiceAccount)"
)


def decide(facts: TaskFacts, mode: PreflightMode = PreflightMode.SCHEMA) -> Decision:
    """The pre-flight one write needs, and why."""
    server = _server_reason(facts, mode)
    if server is not None:
        return Decision(Check.SERVER, server)
    return Decision(Check.SCHEMA, "a plain create: the schema check finds what a dry run would")


def _server_reason(facts: TaskFacts, mode: PreflightMode) -> str | None:
    if mode is PreflightMode.SERVER:
        return "every write is dry-run (pre-flight mode server)"
    if facts.hook:
        return "a hook"
    if facts.live is None:
        return "not known whether the object exists"
    if facts.live:
        return "an update of a live object (immutable fields, update admission)"
    if not facts.schema:
        return "the cluster publishes no schema for the kind"
    if facts.cel:
        return "the kind's schema has CEL rules"
    if facts.admission:
        return "admission matches: " + ", ".join(facts.admission)
    by_kind = _kind_reason(facts)
    if by_kind is not None:
        return by_kind
    return _namespace_reason(
        facts.namespace, facts.group == "" and facts.kind == "PersistentVolumeClaim"
    )


def _kind_reason(facts: TaskFacts) -> str | None:
    if facts.group == "" and facts.kind == "Pod":
        return _POD_ADMISSION
    if facts.group == "apiextensions.k8s.io" and facts.kind == "CustomResourceDefinition":
        return "a CRD (the server checks its schema is structural)"
    if facts.allocates:
        return "a Service asking for a fixed cluster IP or node port (allocation)"
    return None


def _namespace_reason(namespace: NamespaceFacts | None, claim: bool) -> str | None:
    if namespace is None:
        return None
    if not namespace.created_by_sync:
        if namespace.exists is None:
            return "not known whether the namespace exists"
        if not namespace.exists:
            return "the namespace does not exist"
        if namespace.terminating:
            return "the namespace is terminating"
    if namespace.quota is None:
        return "not known whether a ResourceQuota applies"
    if namespace.quota:
        return "a ResourceQuota in the namespace"
    if claim and namespace.limit_range is not False:
        return "a LimitRange in the namespace (claims)"
    return None


# -- admission -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AdmissionRule:
    """One rule of an admission webhook or policy: which requests it sees."""

    owner: str  # e.g. ValidatingWebhookConfiguration/name (webhook name)
    groups: frozenset[str]
    versions: frozenset[str]  # empty: any version (matchPolicy Equivalent)
    operations: frozenset[str]
    resources: frozenset[str]
    scope: str  # "*", "Cluster" or "Namespaced"


def _strings(value: Any) -> frozenset[str]:
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


def _rules(owner: str, rules: Any, exact: bool) -> list[AdmissionRule]:
    found = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        found.append(
            AdmissionRule(
                owner=owner,
                groups=_strings(rule.get("apiGroups")),
                versions=_strings(rule.get("apiVersions")) if exact else frozenset(),
                operations=_strings(rule.get("operations")),
                resources=_strings(rule.get("resources")),
                scope=str(rule.get("scope") or "*"),
            )
        )
    return found


def admission_rules(objects: Iterable[dict[str, Any]]) -> list[AdmissionRule]:
    """The rules of admission objects: Validating/MutatingWebhookConfigurations (each
    webhook's `rules`) and Validating/MutatingAdmissionPolicies (`matchConstraints`).
    Selectors (namespace, object, match conditions) and bindings are not weighed: a rule
    that might match counts as matching, which costs a dry run, never safety."""
    found: list[AdmissionRule] = []
    for obj in objects:
        kind = str(obj.get("kind") or "")
        name = str((obj.get("metadata") or {}).get("name") or "")
        if kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            for hook in obj.get("webhooks") or []:
                if isinstance(hook, dict):
                    owner = f"{kind}/{name} ({hook.get('name', '')})"
                    exact = hook.get("matchPolicy") == "Exact"
                    found.extend(_rules(owner, hook.get("rules"), exact))
        elif kind in ("ValidatingAdmissionPolicy", "MutatingAdmissionPolicy"):
            spec = obj.get("spec") or {}
            constraints = spec.get("matchConstraints") if isinstance(spec, dict) else None
            if isinstance(constraints, dict):
                exact = constraints.get("matchPolicy") == "Exact"
                found.extend(_rules(f"{kind}/{name}", constraints.get("resourceRules"), exact))
    return found


def _matches(
    rule: AdmissionRule, group: str, version: str, resource: str, operation: str, namespaced: bool
) -> bool:
    if "*" not in rule.groups and group not in rule.groups:
        return False
    if rule.versions and "*" not in rule.versions and version not in rule.versions:
        return False
    if "*" not in rule.operations and operation not in rule.operations:
        return False
    if not rule.resources & {"*", "*/*", resource}:
        return False
    return rule.scope == "*" or rule.scope == ("Namespaced" if namespaced else "Cluster")


def admission_matches(
    rules: Iterable[AdmissionRule],
    *,
    group: str,
    version: str,
    resource: str,
    operation: str,
    namespaced: bool,
) -> tuple[str, ...]:
    """The owners of the rules that see this request (`resource` is the plural, e.g.
    ``deployments``; `operation` CREATE or UPDATE), in a stable order."""
    return tuple(
        sorted(
            {
                rule.owner
                for rule in rules
                if _matches(rule, group, version, resource, operation, namespaced)
            }
        )
    )
