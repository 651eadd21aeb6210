"""Selective sync, as Argo CD's ``argocd app sync --resource``: only the named resources.

The plan is narrowed to the apply tasks of the named desired resources and the prune
tasks of the named extraneous ones, in the plan's order (so sync waves still order
them); hooks do not run. The side Namespace of ``CreateNamespace=true`` stays, as the
selected objects may need it. Every name must be one of the app's resources (desired
or live), or the whole request is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from gitsync.errors import UserInputError
from gitsync.model.identity import (
    DNS1123_SUBDOMAIN,
    PATH_SEGMENT,
    IdentityError,
    check,
    check_kind,
    check_namespace,
    shown,
)
from gitsync.model.keys import ResourceKey
from gitsync.sync.plan import Plan

# Names one request may select: a selective sync names a few objects, not an app.
MAX_SELECTED = 200
_NAME_LIMIT = 253


class SelectionError(UserInputError):
    """A selective sync names something that is not one of the app's resources, or
    names it in a way that cannot be one."""


@dataclass(frozen=True, slots=True)
class ResourceSelector:
    """One resource named for a selective sync; `group` None matches the kind in any
    group (the API's ``group`` left out)."""

    kind: str
    name: str
    namespace: str = ""
    group: str | None = None

    @classmethod
    def parse(cls, text: str) -> ResourceSelector:
        """``KIND/NAMESPACE/NAME``, ``KIND/NAME`` (cluster-scoped) or
        ``GROUP/KIND/NAMESPACE/NAME`` (``GROUP/KIND//NAME`` when cluster-scoped; the core
        group is empty: ``/ConfigMap/ns/name``)."""
        parts = text.split("/")
        if len(parts) == 2:
            kind, name = parts
            return cls.checked(kind, name)
        if len(parts) == 3:
            kind, namespace, name = parts
            return cls.checked(kind, name, namespace)
        if len(parts) == 4:
            group, kind, namespace, name = parts
            return cls.checked(kind, name, namespace, group)
        raise SelectionError(
            f"--resource {text!r}: give KIND/NAMESPACE/NAME, KIND/NAME (cluster-scoped) "
            "or GROUP/KIND/NAMESPACE/NAME"
        )

    @classmethod
    def from_api(cls, item: object) -> ResourceSelector:
        """One entry of the API's ``resources`` (Argo CD's shape: group, kind, namespace,
        name; a missing group matches any)."""
        if not isinstance(item, Mapping):
            raise SelectionError("each resource must be an object with kind and name")
        fields = {k: item.get(k) for k in ("group", "kind", "namespace", "name")}
        if set(item) - set(fields):
            raise SelectionError(f"unknown resource field(s): {sorted(set(item) - set(fields))}")
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                raise SelectionError(f"resource {key} must be a string")
        return cls.checked(
            str(fields["kind"] or ""),
            str(fields["name"] or ""),
            str(fields["namespace"] or ""),
            fields["group"] if isinstance(fields["group"], str) else None,
        )

    @classmethod
    def checked(
        cls, kind: str, name: str, namespace: str = "", group: str | None = None
    ) -> ResourceSelector:
        """A selector whose parts could name a Kubernetes object (SelectionError if not)."""
        try:
            check_kind(kind)
            check(name, PATH_SEGMENT, "name")
            if len(name) > _NAME_LIMIT:
                raise IdentityError(f"name is longer than {_NAME_LIMIT} characters")
            if namespace:
                check_namespace(namespace)
            if group:
                check(group, DNS1123_SUBDOMAIN, "group")
        except IdentityError as err:
            raise SelectionError(
                f"resource {shown(_shown(kind, namespace, name))}: {err}"
            ) from None
        return cls(kind, name, namespace, group)

    @classmethod
    def exact(cls, key: ResourceKey) -> ResourceSelector:
        return cls(key.kind, key.name, key.namespace, key.group)

    def matches(self, key: ResourceKey) -> bool:
        return (
            (key.kind, key.namespace, key.name) == (self.kind, self.namespace, self.name)
            and (self.group is None or self.group == key.group)
        )  # fmt: skip

    def to_api(self) -> dict[str, str]:
        body = {"kind": self.kind, "namespace": self.namespace, "name": self.name}
        return body if self.group is None else {"group": self.group, **body}

    def __str__(self) -> str:
        text = _shown(self.kind, self.namespace, self.name)
        return text if self.group is None else f"{self.group}/{text}"


def parse_selectors(texts: Iterable[str]) -> tuple[ResourceSelector, ...]:
    """The CLI's repeated ``--resource`` values."""
    found = tuple(ResourceSelector.parse(t) for t in texts)
    _check_count(found)
    return found


def selectors_from_api(items: object) -> tuple[ResourceSelector, ...]:
    """The API's ``resources`` list."""
    if not isinstance(items, list):
        raise SelectionError("resources must be a list of {group, kind, namespace, name}")
    _check_count(items)
    return tuple(ResourceSelector.from_api(item) for item in items)


def resolve(
    selectors: Sequence[ResourceSelector], keys: Iterable[ResourceKey], app: str
) -> tuple[ResourceKey, ...]:
    """The resources of `app` (among `keys`) the selectors name, sorted; SelectionError
    when one names none of them or, without a group, more than one."""
    known = sorted(set(keys))
    chosen: set[ResourceKey] = set()
    unknown: list[str] = []
    for selector in selectors:
        matched = [k for k in known if selector.matches(k)]
        if not matched:
            unknown.append(str(selector))
        elif len(matched) > 1:
            groups = ", ".join(k.group or '""' for k in matched)
            raise SelectionError(
                f"{selector} names a kind in several groups ({groups}) in app {app}: "
                "give GROUP/KIND/NAMESPACE/NAME"
            )
        else:
            chosen.add(matched[0])
    if unknown:
        raise SelectionError(f"not a resource of app {app}: {', '.join(unknown)}")
    return tuple(sorted(chosen))


def select(plan: Plan, selectors: Sequence[ResourceSelector]) -> Plan:
    """`plan` narrowed to the resources the selectors name (SelectionError when one names
    none of the app's); unchanged when none are given."""
    if not selectors:
        return plan
    return narrow(plan, resolve(selectors, selectable(plan), plan.settings.app))


def selectable(plan: Plan) -> list[ResourceKey]:
    """The resources a selective sync may name: desired ones (not hooks) and extraneous
    live ones (prune candidates)."""
    return [t.key for t in plan.tasks if not t.hook and t.track]


def narrow(plan: Plan, keys: Sequence[ResourceKey]) -> Plan:
    """`plan` with only the tasks of `keys` (unchanged when empty). A key without a task
    (e.g. an extraneous object pruned since) narrows nothing in. The fingerprint names
    the selection too, so a stored operation of another selection is not resumed."""
    if not keys:
        return plan
    wanted = set(keys)
    tasks = tuple(t for t in plan.tasks if not t.track or (not t.hook and t.key in wanted))
    ordered = tuple(sorted(wanted))
    digest = hashlib.sha256(
        json.dumps([plan.fingerprint, [list(_fields(k)) for k in ordered]]).encode()
    )
    return replace(plan, tasks=tasks, fingerprint=digest.hexdigest()[:16], selected=ordered)


def _fields(key: ResourceKey) -> tuple[str, str, str, str]:
    return key.group, key.kind, key.namespace, key.name


def _check_count(items: Sequence[object]) -> None:
    if len(items) > MAX_SELECTED:
        raise SelectionError(f"at most {MAX_SELECTED} resources may be selected at once")


def _shown(kind: str, namespace: str, name: str) -> str:
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
