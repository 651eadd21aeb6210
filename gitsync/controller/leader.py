"""Leader election with a coordination.k8s.io/v1 Lease, so two replicas never sync at once.

The holder renews the Lease every `renew_every` seconds; another replica takes it over
only once `lease_seconds` passed without a renewal. Updates carry the resourceVersion
they read, so two candidates racing for an expired Lease cannot both win: the API
server rejects the slower one with 409.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from gitsync.errors import ConflictError, GitsyncError, NotFoundError

LEASE_API = "coordination.k8s.io/v1"
log = structlog.get_logger("gitsync.leader")


class LeaseClient(Protocol):
    """The reads and writes leader election needs from a cluster (get, create, replace)."""

    def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> dict[str, Any] | None: ...

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...


def _now_micro() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_micro(text: str | None) -> float | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    return None


def default_identity() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class LeaderElector:
    """Holds a coordination.k8s.io Lease for this replica, renewing it; others wait."""

    def __init__(
        self,
        client: LeaseClient,
        namespace: str,
        name: str = "gitsync-leader",
        *,
        identity: str | None = None,
        lease_seconds: int = 15,
        renew_every: float = 5.0,
        on_started_leading: Callable[[], None] | None = None,
        on_stopped_leading: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        acquire_blocked: Callable[[], str] | None = None,
    ) -> None:
        """`acquire_blocked`: why the Lease must not be taken now ("" when it may), asked
        before taking it (not before renewing it), e.g. while shard Leases are held."""
        self.identity = identity or default_identity()
        self._client = client
        self._namespace = namespace
        self._name = name
        self._lease_seconds = lease_seconds
        self._renew_every = renew_every
        self._on_start = on_started_leading
        self._on_stop = on_stopped_leading
        self._clock = clock
        self._acquire_blocked = acquire_blocked
        self.blocked = ""
        self._leading = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def try_acquire_or_renew(self) -> bool:
        """One round of the election; True when this replica holds the Lease afterwards."""
        lease = self._client.get(LEASE_API, "Lease", self._namespace, self._name)
        now = self._clock()
        spec = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": self._lease_seconds,
            "renewTime": _now_micro(),
        }
        try:
            if lease is None:
                if self._blocked():
                    return False
                spec["acquireTime"] = spec["renewTime"]
                spec["leaseTransitions"] = 0
                self._client.create(
                    {
                        "apiVersion": LEASE_API,
                        "kind": "Lease",
                        "metadata": {"name": self._name, "namespace": self._namespace},
                        "spec": spec,
                    }
                )
                return True
            current = lease.get("spec") or {}
            holder = current.get("holderIdentity")
            renewed = _parse_micro(current.get("renewTime")) or 0.0
            duration = float(current.get("leaseDurationSeconds") or self._lease_seconds)
            if holder and holder != self.identity and now < renewed + duration:
                return False
            if holder != self.identity and self._blocked():
                return False
            transitions = int(current.get("leaseTransitions") or 0)
            if holder == self.identity:
                spec["acquireTime"] = current.get("acquireTime") or spec["renewTime"]
                spec["leaseTransitions"] = transitions
            else:
                spec["acquireTime"] = spec["renewTime"]
                spec["leaseTransitions"] = transitions + 1
            updated = dict(lease)
            updated["spec"] = spec
            self._client.replace(updated)
            return True
        except (ConflictError, NotFoundError):
            return False

    def _blocked(self) -> bool:
        blocked = self._acquire_blocked() if self._acquire_blocked is not None else ""
        if blocked != self.blocked:
            (log.warning if blocked else log.info)("leader election", blocked=blocked or "no")
        self.blocked = blocked
        return bool(blocked)

    def _set_leading(self, leading: bool) -> None:
        if leading and not self._leading.is_set():
            self._leading.set()
            log.info("started leading", identity=self.identity)
            if self._on_start:
                self._on_start()
        elif not leading and self._leading.is_set():
            self._leading.clear()
            log.warning("stopped leading", identity=self.identity)
            if self._on_stop:
                self._on_stop()

    def _run(self) -> None:
        last_renewal = 0.0
        while not self._stop.is_set():
            try:
                ok = self.try_acquire_or_renew()
                if ok:
                    last_renewal = self._clock()
                self._set_leading(ok)
            except GitsyncError as err:
                log.warning("leader election round failed", error=str(err))
                # Keep leading through a short API outage, but not past our own Lease.
                if self._clock() - last_renewal > self._lease_seconds:
                    self._set_leading(False)
            self._stop.wait(self._renew_every if self.is_leader else self._renew_every / 2)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="leader-election", daemon=True)
        self._thread.start()

    def stop(self, release: bool = True) -> None:
        """Stop campaigning; give the Lease up so another replica takes over at once."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        if release and self.is_leader:
            try:
                lease = self._client.get(LEASE_API, "Lease", self._namespace, self._name)
                if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                    lease["spec"]["holderIdentity"] = None
                    self._client.replace(lease)
            except GitsyncError as err:
                log.warning("could not release the lease", error=str(err))
        self._set_leading(False)
