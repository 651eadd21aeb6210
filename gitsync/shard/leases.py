"""The shard Leases of one replica: claimed, renewed, handed over, taken when expired.

Every ``renew_every`` seconds a replica runs a round: it LISTs the Leases of its
namespace (one request), renews its presence Lease ``gitsync-replica-<identity>`` and its
shards' ``gitsync-shard-<i>`` Leases, claims free ones up to its share and releases those
it should hand over (`gitsync.shard.assignment.decide`). Every write carries the
resourceVersion the LIST returned, so two replicas racing for one Lease cannot both win.
Expiry is judged as this process observed the Leases (`gitsync.shard.expiry`), from the
rounds' LISTs and from a watch of the Leases (`seen`): a round also runs the moment a
Lease seen is due to expire, and soon after a shard is given up or a claim was lost, so
a dead replica's shards are taken one Lease duration after its last renewal, not up to
two periods later. Without the watch the rounds alone see the Leases, as before.

The holder may write for a shard only while its last successful renewal, timed from
before the request was sent, is younger than ``lease_seconds - renew_every``: others
wait at least ``lease_seconds`` after observing that renewal before they take over.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from gitsync.errors import ConflictError, GitsyncError, NotFoundError
from gitsync.shard.assignment import (
    REPLICA_LEASE_PREFIX,
    Round,
    decide,
    replica_lease_name,
    shard_lease_name,
)
from gitsync.shard.expiry import next_look
from gitsync.shard.fencing import FencedError, FenceToken
from gitsync.shard.leaseview import (
    INSTANCE_ANNOTATION,
    LEASE_API,
    LeaseClient,
    Leases,
    Observer,
    new_lease,
    with_spec,
)

# A presence Lease unchanged this many Lease durations belongs to a replica long gone
# (pods of a Deployment get new names): it is deleted, so they do not pile up.
FORGET_AFTER_DURATIONS = 20
# An early round (after a shard was given up or a claim lost) comes no sooner than this
# share of the period after the last one began: a burst of Lease writes is one LIST.
EARLY_ROUND_GAP = 0.1

log = structlog.get_logger("gitsync.shard")


class ShardListener(Protocol):
    """The controller's side: called from the Lease thread, so each call returns quickly."""

    def shard_acquired(self, shard: int) -> None:
        """This replica now writes for `shard`'s apps (queue them)."""
        ...

    def shard_lost(self, shard: int) -> None:
        """This replica no longer writes for `shard`'s apps (drop what it ran for them)."""
        ...

    def shard_busy(self, shard: int) -> bool:
        """An operation or a reconcile of one of `shard`'s apps is running now."""
        ...


# Run before a claimed shard is written for (from a thread of its own): with `takeover`
# the Lease was taken from a holder that did not give it up (see `gitsync.shard.stamping`).
Prepare = Callable[[FenceToken, bool], None]


@dataclass
class _Held:
    token: FenceToken
    renewed_at: float  # monotonic time the last successful write was sent
    ready: bool  # announced to the listener, once prepared
    takeover: bool = False
    draining: bool = False
    preparing: bool = False


class ShardLeases:
    """Holds this replica's share of ``shards`` shard Leases in `namespace`."""

    def __init__(
        self,
        client: LeaseClient,
        namespace: str,
        identity: str,
        shards: int,
        *,
        lease_seconds: float = 15.0,
        renew_every: float | None = None,
        prepare: Prepare | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.identity = identity
        self.shards = shards
        self.lease_seconds = lease_seconds
        self.renew_every = renew_every if renew_every is not None else lease_seconds / 3
        self.validity = max(lease_seconds - self.renew_every, self.renew_every)
        self._client = client
        self._namespace = namespace
        self._prepare = prepare
        self._clock = clock
        self._instance = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._held: dict[int, _Held] = {}
        self._holders: dict[int, str] = {}
        self._replicas: frozenset[str] = frozenset({identity})
        self._observer = Observer(lease_seconds)
        self._rounds = 0
        self._started = float("-inf")  # when the last round began
        self._periodic = float("-inf")  # when the next round is due at the latest
        self._looked = float("-inf")  # expiries until then were judged by a round
        self._nudged = False  # a round is wanted before its period (under _lock)
        self._waiting_until = float("inf")  # when the round thread wakes next
        self.blocked = ""  # why this replica claims nothing now ("" when it may)
        self._listener: ShardListener | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the controller asks ---------------------------------------------------------
    def token(self, shard: int) -> FenceToken:
        """The fence token of a held, announced, freshly renewed shard; else FencedError."""
        with self._lock:
            held = self._held.get(shard)
            if held is None or not held.ready:
                raise FencedError(f"shard {shard} is not held by {self.identity}")
            age = self._clock() - held.renewed_at
            if age >= self.validity:
                raise FencedError(
                    f"the Lease of shard {shard} was last renewed {age:.1f}s ago: "
                    "not written for until renewed"
                )
            return held.token

    def holds(self, shard: int) -> bool:
        try:
            self.token(shard)
        except FencedError:
            return False
        return True

    def draining(self, shard: int) -> bool:
        with self._lock:
            held = self._held.get(shard)
            return held is not None and held.draining

    def fresh(self) -> bool:
        """Every shard this replica holds was renewed recently enough to write for it."""
        now = self._clock()
        with self._lock:
            return all(now - h.renewed_at < self.validity for h in self._held.values())

    def held(self) -> list[int]:
        """The shards this replica may write for now (held, prepared, freshly renewed)."""
        now = self._clock()
        with self._lock:
            return sorted(
                s for s, h in self._held.items() if h.ready and now - h.renewed_at < self.validity
            )

    def holder(self, shard: int) -> str:
        """The live holder of `shard` as last seen ("" when free)."""
        with self._lock:
            if shard in self._held:
                return self.identity
            return self._holders.get(shard, "")

    def replicas(self) -> frozenset[str]:
        with self._lock:
            return self._replicas

    def seen(self, event_type: str, lease: dict[str, Any]) -> None:
        """A watch event of a Lease of the namespace (from the watch's thread): a renewal
        counts from now, a shard given up asks for a round soon, and the round thread
        wakes when a Lease is now due to expire before it would have woken."""
        if self._observer.observe_event(event_type, lease, self._clock()):
            with self._lock:
                self._nudged = True
            self._wake.set()
            return
        expiry = self._observer.next_expiry(self._looked)
        if expiry is not None and expiry < self._waiting_until:
            self._wake.set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, listener: ShardListener) -> None:
        self._listener = listener
        self._thread = threading.Thread(target=self._run, name="shard-leases", daemon=True)
        self._thread.start()

    def stop(self, release: bool = True) -> None:
        """Stop; give every shard up (so others take them at once) and leave."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not release:
            return
        try:
            leases = self._list()
        except GitsyncError as err:
            log.warning("could not release the shard leases", error=str(err))
            return
        with self._lock:
            shards = sorted(self._held)
        for shard in shards:
            self._release(shard, leases.get(shard_lease_name(shard)))
        presence = leases.get(replica_lease_name(self.identity))
        if presence is not None:
            self._write_release(presence)

    def next_round_at(self) -> float:
        """When the next round is due, by this process's clock: a period after the last
        one began, when a Lease seen is due to expire, or soon after a nudge."""
        with self._lock:
            # nudges wait until this replica may claim (its first round announces)
            nudged = self._nudged and self._rounds >= 2
        return next_look(
            periodic=self._periodic,
            expiry=self._observer.next_expiry(self._looked),
            nudged=nudged,
            earliest=self._started + self.renew_every * EARLY_ROUND_GAP,
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self._waiting_until = float("inf")  # meanwhile any news of the Leases wakes it
            self._wake.clear()
            now = self._clock()
            due = self.next_round_at()
            if due > now:
                self._waiting_until = due
                self._wake.wait(due - now)
                continue
            try:
                self.run_round()
                continue
            except GitsyncError as err:
                log.warning("shard lease round failed", error=str(err))
            except Exception:  # a bug in one round must not stop the renewals
                log.exception("shard lease round failed")
            # what expired meanwhile waits for the next periodic round: no round after
            # round against an API server that fails them
            self._looked = max(self._looked, self._clock())

    # -- one round ------------------------------------------------------------------------
    def run_round(self) -> None:
        started = self._clock()
        self._started, self._periodic = started, started + self.renew_every  # each renews
        self._looked = max(self._looked, started)  # expiries until now: this round's to judge
        with self._lock:
            self._nudged = False
        leases = self._list()
        now = self._clock()
        self._observer.observe(leases, now)
        self._looked = now  # expiries up to now are judged by this round
        view = self._observer.view(
            leases,
            now,
            identity=self.identity,
            shards=self.shards,
            instance=self._instance,
            held=frozenset(self._held),
        )
        holders, replicas, blocked = view.holders, view.replicas, view.blocked
        with self._lock:
            self._holders = holders
            self._replicas = replicas | {self.identity}
        if blocked != self.blocked:
            (log.warning if blocked else log.info)("shard claims", blocked=blocked or "no")
        self.blocked = blocked
        self._announce(leases.get(replica_lease_name(self.identity)), now)
        self._drop_lost(leases)
        listener = self._listener
        with self._lock:
            mine = {s: self.identity for s in self._held}
            draining = frozenset(s for s, h in self._held.items() if h.draining)
        busy = frozenset(s for s in mine if listener is not None and listener.shard_busy(s))
        first_round = self._rounds == 0
        self._rounds += 1
        seen = Round(
            self.identity,
            self.shards,
            replicas | {self.identity},
            {**holders, **mine},
            draining,
            busy,
        )
        decision = decide(seen)
        for shard in decision.renew:
            self._renew(shard, leases)
        if not first_round and not blocked:  # the first round only announces this replica
            for shard in decision.claim:
                self._claim(shard, leases.get(shard_lease_name(shard)))
        self._drain(set(decision.drain), leases)
        self._retry_preparing()
        self._forget_gone(leases, now)

    def _list(self) -> Leases:
        items = self._client.list(LEASE_API, "Lease", namespace=self._namespace)
        return {str((i.get("metadata") or {}).get("name") or ""): i for i in items}

    def _forget_gone(self, leases: Leases, now: float) -> None:
        forget_after = FORGET_AFTER_DURATIONS * self.lease_seconds
        mine = replica_lease_name(self.identity)
        for name in leases:
            if not name.startswith(REPLICA_LEASE_PREFIX) or name == mine:
                continue
            if self._observer.unchanged_for(name, now) > forget_after:
                with contextlib.suppress(GitsyncError):  # another replica's delete won
                    self._client.delete(LEASE_API, "Lease", self._namespace, name)
                log.info("presence lease of a replica long gone deleted", lease=name)

    def _announce(self, presence: dict[str, Any] | None, now: float) -> None:
        """Renew this replica's presence Lease (not while another process holds it)."""
        if presence is not None and self.blocked.startswith("another live replica"):
            return
        body = presence or new_lease(
            self._namespace, replica_lease_name(self.identity), "replica", self.shards
        )
        body = self._spec(body, holder=self.identity)
        body["metadata"].setdefault("annotations", {})[INSTANCE_ANNOTATION] = self._instance
        with contextlib.suppress(ConflictError, NotFoundError):  # changed since the LIST
            self._write(body, create=presence is None)

    def _drop_lost(self, leases: Leases) -> None:
        with self._lock:
            lost = [
                s
                for s in self._held
                if (leases.get(shard_lease_name(s), {}).get("spec") or {}).get("holderIdentity")
                != self.identity
            ]
            was_ready = {s: self._held.pop(s).ready for s in lost}
        for shard in lost:
            log.warning("shard lost", shard=shard)
            if was_ready[shard] and self._listener is not None:
                self._listener.shard_lost(shard)

    def _renew(self, shard: int, leases: Leases) -> None:
        name = shard_lease_name(shard)
        sent = self._clock()
        try:
            leases[name] = self._write(self._spec(leases[name], holder=self.identity))
        except (ConflictError, NotFoundError):
            return  # someone wrote it since the LIST; the next round sees who holds it
        with self._lock:
            held = self._held.get(shard)
            if held is not None:
                held.renewed_at = sent

    def _claim(self, shard: int, lease: dict[str, Any] | None) -> None:
        name = shard_lease_name(shard)
        previous = str(((lease or {}).get("spec") or {}).get("holderIdentity") or "")
        transitions = int(((lease or {}).get("spec") or {}).get("leaseTransitions") or 0)
        body = lease or new_lease(self._namespace, name, "shard", self.shards)
        body = self._spec(body, holder=self.identity, acquired=True)
        if lease is not None:
            body["spec"]["leaseTransitions"] = transitions + 1
        sent = self._clock()
        try:
            written = self._write(body, create=lease is None)
        except (ConflictError, NotFoundError):
            with self._lock:  # another replica claimed it first: look again, for another
                self._nudged = True
            return
        meta, spec = written.get("metadata") or {}, written.get("spec") or {}
        token = FenceToken(
            self.identity,
            shard,
            name,
            str(meta.get("uid") or ""),
            int(spec.get("leaseTransitions") or 0),
        )
        # A Lease taken from a holder that did not give it up: that holder may be alive
        # (paused, cut off) with a write on its way; `prepare` fences it first.
        takeover = bool(previous)
        prepared = self._prepare is None
        with self._lock:
            self._held[shard] = _Held(token, sent, ready=prepared, takeover=takeover)
        log.info("shard claimed", shard=shard, previous=previous or None, takeover=takeover)
        if not prepared:
            self._start_preparing(shard)
        elif self._listener is not None:
            self._listener.shard_acquired(shard)

    def _start_preparing(self, shard: int) -> None:
        with self._lock:
            held = self._held.get(shard)
            if held is None or held.preparing or held.ready:
                return
            held.preparing = True
            token, takeover = held.token, held.takeover
        threading.Thread(
            target=self._run_prepare,
            args=(shard, token, takeover),
            name=f"shard-{shard}-prepare",
            daemon=True,
        ).start()

    def _run_prepare(self, shard: int, token: FenceToken, takeover: bool) -> None:
        assert self._prepare is not None
        ok = False
        try:
            self._prepare(token, takeover)
            ok = True
        except GitsyncError as err:
            log.warning("preparing a claimed shard failed; retried", shard=shard, error=str(err))
        except Exception:
            log.exception("preparing a claimed shard failed; retried", shard=shard)
        with self._lock:
            held = self._held.get(shard)
            if held is None or held.token != token:
                return
            held.preparing = False
            held.ready = ok
        if ok and self._listener is not None:
            self._listener.shard_acquired(shard)

    def _retry_preparing(self) -> None:
        with self._lock:
            waiting = [s for s, h in self._held.items() if not h.ready]
        for shard in waiting:
            self._start_preparing(shard)

    def _drain(self, drain: set[int], leases: Leases) -> None:
        """Mark shards to hand over (no new work starts for them), then release each one
        with nothing running: a shard is never handed over in the middle of a sync."""
        with self._lock:
            for shard, held in self._held.items():
                held.draining = shard in drain
        listener = self._listener
        for shard in sorted(drain):
            if listener is not None and listener.shard_busy(shard):
                continue
            self._release(shard, leases.get(shard_lease_name(shard)))

    def _release(self, shard: int, lease: dict[str, Any] | None) -> None:
        with self._lock:
            held = self._held.pop(shard, None)
        if held is None:
            return
        if held.ready and self._listener is not None:
            self._listener.shard_lost(shard)
        log.info("shard released", shard=shard)
        if lease is not None:
            self._write_release(lease)

    def _write_release(self, lease: dict[str, Any]) -> None:
        try:
            self._write(self._spec(lease, holder=None))
        except GitsyncError as err:  # it expires instead
            log.warning(
                "could not release a lease", lease=lease["metadata"]["name"], error=str(err)
            )

    def _spec(
        self, lease: dict[str, Any], *, holder: str | None, acquired: bool = False
    ) -> dict[str, Any]:
        return with_spec(
            lease, holder=holder, seconds=self.lease_seconds, shards=self.shards, acquired=acquired
        )

    def _write(self, body: dict[str, Any], *, create: bool = False) -> dict[str, Any]:
        if create:
            return self._client.create(body)
        return self._client.replace(body)
