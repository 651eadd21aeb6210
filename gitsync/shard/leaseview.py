"""What the Leases of gitsync's namespace say, as one process observes them.

Which holders are live is judged by observed expiry (`gitsync.shard.expiry`): a Lease is
expired when its resourceVersion has not changed for its leaseDurationSeconds as this
process observed it; clocks of different nodes never meet.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Protocol

from gitsync.shard.assignment import REPLICA_LEASE_PREFIX, shard_index
from gitsync.shard.expiry import Observer as ExpiryObserver

LEASE_API = "coordination.k8s.io/v1"
LEADER_LEASE = "gitsync-leader"  # `--shards 1`: gitsync.controller.leader's Lease
SHARDS_ANNOTATION = "gitsync.io/shards"
INSTANCE_ANNOTATION = "gitsync.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"

Leases = dict[str, dict[str, Any]]  # by name


class LeaseClient(Protocol):
    """The Lease reads and writes the shards need (`gitsync.kube.Cluster` has them)."""

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool: ...


@dataclass(frozen=True)
class LeaseView:
    """One round's reading: live holders of this shard count's Leases, live replicas, and
    why claiming must wait ("" when it may)."""

    holders: dict[int, str]
    replicas: frozenset[str]
    blocked: str


class Observer(ExpiryObserver):
    """`gitsync.shard.expiry.Observer`, reading one round's view of the Leases."""

    def view(
        self,
        leases: Leases,
        now: float,
        *,
        identity: str,
        shards: int,
        instance: str,
        held: frozenset[int],
    ) -> LeaseView:
        """What `identity` (this process `instance`, holding `held`) reads in `leases`:
        Leases of another shard count or a single leader block claims; a shard Lease held
        under this identity but not by this process (an earlier one) is someone else's
        until it expires; a presence Lease of this identity written by another live
        process means the identity is used twice."""
        holders: dict[int, str] = {}
        replicas: set[str] = set()
        blocked = ""
        for name, lease in leases.items():
            holder = self.live_holder(name, lease, now)
            if not holder:
                continue
            annotations = lease["metadata"].get("annotations") or {}
            index = shard_index(name)
            if name == LEADER_LEASE:
                blocked = f"Lease {name} (one shard) is held by {holder}"
            elif index is not None:
                if index >= shards or annotations.get(SHARDS_ANNOTATION) != str(shards):
                    count = annotations.get(SHARDS_ANNOTATION, "?")
                    blocked = f"Lease {name} of {count} shards is held by {holder}"
                elif holder != identity or index in held:
                    holders[index] = holder
                else:
                    holders[index] = f"{holder} (an earlier process)"
            elif name.startswith(REPLICA_LEASE_PREFIX):
                replicas.add(holder)
                other = annotations.get(INSTANCE_ANNOTATION) not in (None, instance)
                if holder == identity and other:
                    blocked = f"another live replica has the identity {holder}"
        return LeaseView(holders, frozenset(replicas), blocked)


def new_lease(namespace: str, name: str, component: str, shards: int) -> dict[str, Any]:
    return {
        "apiVersion": LEASE_API,
        "kind": "Lease",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {COMPONENT_LABEL: f"{component}-lease", MANAGED_BY_LABEL: "gitsync"},
            "annotations": {SHARDS_ANNOTATION: str(shards)},
        },
        "spec": {"leaseTransitions": 0},
    }


def with_spec(
    lease: dict[str, Any],
    *,
    holder: str | None,
    seconds: float,
    shards: int,
    acquired: bool = False,
) -> dict[str, Any]:
    """`lease` held by `holder` (None: released), renewed now, for this shard count."""
    meta = dict(lease.get("metadata") or {})
    meta["annotations"] = {**(meta.get("annotations") or {}), SHARDS_ANNOTATION: str(shards)}
    spec = dict(lease.get("spec") or {})
    now = now_micro()
    # whole seconds, rounded down: others never wait less than the holder assumes
    spec.update(holderIdentity=holder, leaseDurationSeconds=max(int(seconds), 1))
    spec["renewTime"] = now
    if acquired:
        spec["acquireTime"] = now
    return {**lease, "metadata": meta, "spec": spec}


def now_micro() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_micro(text: str) -> float | None:
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    return None


def shard_leases_in_use(client: LeaseClient, namespace: str, now: float | None = None) -> str:
    """Why a single leader (``--shards 1``) must not start now: a shard Lease still held
    and renewed within its duration ("" when none is). Judged by renewTime and this
    host's clock, as the leader election itself judges its Lease."""
    now = time.time() if now is None else now
    for lease in client.list(LEASE_API, "Lease", namespace=namespace):
        name = str((lease.get("metadata") or {}).get("name") or "")
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        if shard_index(name) is None or not holder:
            continue
        renewed = parse_micro(str(spec.get("renewTime") or ""))
        if renewed is not None and now < renewed + float(spec.get("leaseDurationSeconds") or 0):
            return f"shard Lease {name} is held by {holder}"
    return ""
