"""Which apps this replica reconciles and writes for: the apps of the shards it holds.

The one predicate the controller consults (`owns`, `may_start`) and the `Fence` its
stores write under (`token`). Apps are assigned after every load of the root, as the
shard of an app hashed by destination depends on its spec.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from gitsync.shard.assignment import shard_key, shard_of
from gitsync.shard.fencing import FencedError, FenceToken
from gitsync.shard.leases import ShardLeases


class Ownership:
    """Apps -> shards, and what this replica holds of them (a `gitsync.shard.Fence`)."""

    def __init__(self, leases: ShardLeases, shard_by: str = "app") -> None:
        shard_key("", "", shard_by)  # refuses an unknown `shard_by` now, not per app
        self.leases = leases
        self.shards = leases.shards
        self.shard_by = shard_by
        self.identity = leases.identity
        self._lock = threading.Lock()
        self._shards: dict[str, int] = {}

    def assign(self, destinations: Mapping[str, str]) -> None:
        """The apps now known, each with its destination (server URL or cluster name)."""
        assigned = {
            name: shard_of(shard_key(name, dest, self.shard_by), self.shards)
            for name, dest in destinations.items()
        }
        with self._lock:
            self._shards = assigned

    def shard(self, app: str) -> int | None:
        """The shard of `app`; None for an app not (yet) known by destination."""
        with self._lock:
            found = self._shards.get(app)
        if found is None and self.shard_by == "app":
            return shard_of(app, self.shards)
        return found

    def knows(self, app: str) -> bool:
        """`app` was among the apps last assigned (the root yields it)."""
        with self._lock:
            return app in self._shards

    def owns(self, app: str) -> bool:
        """This replica holds `app`'s shard, freshly renewed: it may reconcile and write."""
        shard = self.shard(app)
        return shard is not None and self.leases.holds(shard)

    def may_start(self, app: str) -> bool:
        """`owns`, and the shard is not being handed over: new work for `app` may start."""
        shard = self.shard(app)
        return shard is not None and self.leases.holds(shard) and not self.leases.draining(shard)

    def token(self, app: str) -> FenceToken:
        shard = self.shard(app)
        if shard is None:
            raise FencedError(f"the shard of {app} is not known yet")
        return self.leases.token(shard)

    def check_fresh(self) -> None:
        """Raise `FencedError` when any held shard's renewal is too old: a paused or cut
        off process writes nothing to any cluster until it has renewed again."""
        if not self.leases.fresh():
            raise FencedError(f"{self.identity}: shard Leases not renewed in time")

    def controller(self, app: str) -> str:
        """The identity of the replica holding `app`'s shard ("" when none does)."""
        shard = self.shard(app)
        return self.leases.holder(shard) if shard is not None else ""

    def apps_of(self, shard: int) -> list[str]:
        with self._lock:
            return sorted(name for name, s in self._shards.items() if s == shard)

    def owned(self) -> list[str]:
        held = set(self.leases.held())
        with self._lock:
            return sorted(name for name, s in self._shards.items() if s in held)
