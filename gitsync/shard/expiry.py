"""When each Lease last changed as this process saw it, and when to look at them again.

Pure: every time is passed in (this process's monotonic clock), nothing is read or written.

A Lease has expired when its resourceVersion has not changed for its
leaseDurationSeconds as this process observed it (client-go's leader election does the
same): clocks of different processes never meet. A version counts from the moment this
process first saw it, in a LIST (a round) or in a watch event, whichever came first.
With the watch a renewal is seen as it happens, so a dead holder's Leases are seen to
expire one Lease duration (plus the watch's delay) after its last renewal, and the round
that takes them over is run at that moment (`Observer.next_expiry`), not at the next
period. A version is always first seen after the write that made it, so nobody takes a
Lease sooner than a Lease duration after its last renewal; seeing it late (a slow watch,
a LIST only) only delays a takeover.

A process that starts waits one Lease duration before it counts a Lease it found as
expired.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.shard.assignment import shard_index

DELETED = "DELETED"


@dataclass(frozen=True)
class Seen:
    """One Lease as last seen: its version, when that version was first seen, its holder
    ("" when free) and its duration."""

    version: str
    since: float
    holder: str
    seconds: float

    @property
    def expires(self) -> float:
        """When this version expires as seen from here, unless it changes first."""
        return self.since + self.seconds


class Observer:
    """When each Lease last changed, as this process saw it. Safe from any thread (the
    rounds observe LISTs, the watch observes events)."""

    def __init__(self, default_seconds: float) -> None:
        self._default_seconds = default_seconds
        self._lock = threading.Lock()
        self._seen: dict[str, Seen] = {}

    def observe(self, leases: Mapping[str, dict[str, Any]], now: float) -> None:
        """A LIST at `now`: every Lease there is, as it is."""
        with self._lock:
            for name, lease in leases.items():
                self._see(name, lease, now, listed=True)
            for name in set(self._seen) - set(leases):
                del self._seen[name]

    def observe_event(self, event_type: str, lease: dict[str, Any], now: float) -> bool:
        """A watch event at `now`. True when it asks for a look at once: a shard Lease
        given up (no holder) in a version not seen before, which a replica may claim."""
        name = str((lease.get("metadata") or {}).get("name") or "")
        if not name:
            return False
        with self._lock:
            if event_type == DELETED:
                self._seen.pop(name, None)
                return False
            seen = self._see(name, lease, now, listed=False)
        return seen is not None and not seen.holder and shard_index(name) is not None

    def _see(self, name: str, lease: dict[str, Any], now: float, *, listed: bool) -> Seen | None:
        """Record `lease`; the new record, or None when nothing new was learnt. A watch
        event older than the version already seen (the LIST got there first) is ignored;
        a LIST is a consistent read and taken as it is."""
        version = str((lease.get("metadata") or {}).get("resourceVersion") or "")
        known = self._seen.get(name)
        if known is not None and known.version == version:
            return None
        if known is not None and not listed and _older(version, known.version):
            return None
        spec = lease.get("spec") or {}
        seconds = float(spec.get("leaseDurationSeconds") or self._default_seconds)
        seen = Seen(version, now, str(spec.get("holderIdentity") or ""), seconds)
        self._seen[name] = seen
        return seen

    def unchanged_for(self, name: str, now: float) -> float:
        with self._lock:
            seen = self._seen.get(name)
        return 0.0 if seen is None else now - seen.since

    def live_holder(self, name: str, lease: dict[str, Any], now: float) -> str:
        """The holder of a Lease still renewed as seen from here; "" when free or expired."""
        spec = lease.get("spec") or {}
        holder = str(spec.get("holderIdentity") or "")
        duration = float(spec.get("leaseDurationSeconds") or self._default_seconds)
        with self._lock:
            seen = self._seen.get(name)
        if not holder or seen is None or now - seen.since >= duration:
            return ""
        return holder

    def next_expiry(self, after: float) -> float | None:
        """The first moment later than `after` at which a held Lease, as seen so far,
        expires (None when none will)."""
        with self._lock:
            moments = [s.expires for s in self._seen.values() if s.holder and s.expires > after]
        return min(moments, default=None)


def next_look(*, periodic: float, expiry: float | None, nudged: bool, earliest: float) -> float:
    """When the next round is due: at its period (`periodic`), when a Lease seen is due
    to expire (`expiry`), and after a nudge (a shard given up, a claim lost to another
    replica) as soon as `earliest` (the last round's start plus a short gap) allows."""
    due = periodic if expiry is None else min(periodic, expiry)
    return min(due, earliest) if nudged else due


def _older(version: str, than: str) -> bool:
    """Both are integers (resourceVersions of etcd-backed servers) and `version` is lower."""
    try:
        return int(version) < int(than)
    except ValueError:
        return False
