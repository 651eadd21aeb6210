"""Which shard an app belongs to, and which shards a replica claims, keeps or hands over.

Pure: no clock, no cluster. `decide` takes what one replica saw in one round of looking
at the Leases and says what to do; `gitsync.shard.leases` does the reads and writes.

Balance: with S shards and R live replicas every replica should hold between
``lo = S // R`` and ``hi = ceil(S / R)`` shards. A replica

- claims free shards up to ``hi``, but only up to ``lo`` while another live replica holds
  fewer than ``lo`` (the replica furthest behind is served first);
- hands over the shards it holds above ``hi``; and while a live replica holds fewer than
  ``lo``, the replica holding the most (ties: the smallest identity) hands over one.

So a replica that joins gets its share from overloaded holders, which release a shard
between operations; nothing is taken from a live holder. With one shard nobody is ever
behind (``lo`` is 0 as soon as there are two replicas), so nothing moves.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

SHARD_BY = ("app", "cluster")
SHARD_LEASE_PREFIX = "gitsync-shard-"
REPLICA_LEASE_PREFIX = "gitsync-replica-"
MAX_SHARDS = 1024  # a Lease per shard, listed every round: keep the list small


def shard_of(key: str, shards: int) -> int:
    """The shard of `key` (an app name or a destination): a stable hash, the same in every
    process and Python version (never the built-in `hash`, which is salted per process)."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def shard_key(name: str, destination: str, shard_by: str) -> str:
    """What an app is hashed by: its name, or with ``cluster`` its destination (server URL
    or cluster name), so that every app of one cluster is synced by one replica."""
    if shard_by not in SHARD_BY:
        raise ValueError(f"shard_by must be one of {', '.join(SHARD_BY)}")
    return destination if shard_by == "cluster" else name


def shard_lease_name(index: int) -> str:
    return f"{SHARD_LEASE_PREFIX}{index}"


def shard_index(lease_name: str) -> int | None:
    """The shard a Lease name stands for; None for any other name."""
    suffix = lease_name.removeprefix(SHARD_LEASE_PREFIX)
    if suffix == lease_name or not suffix.isdigit() or (len(suffix) > 1 and suffix[0] == "0"):
        return None
    return int(suffix)


def replica_lease_name(identity: str) -> str:
    return f"{REPLICA_LEASE_PREFIX}{identity}"


def share(shards: int, replicas: int) -> tuple[int, int]:
    """(lo, hi): the fewest and most shards one of `replicas` live replicas should hold."""
    replicas = max(replicas, 1)
    return shards // replicas, -(-shards // replicas)


@dataclass(frozen=True)
class Round:
    """What one replica saw in one round: live replicas and the live holder of each shard."""

    identity: str
    shards: int
    replicas: frozenset[str]  # live replicas (this one is always counted)
    holders: Mapping[int, str]  # shard -> live holder; free or expired shards are absent
    draining: frozenset[int] = frozenset()  # this replica's shards already being handed over
    busy: frozenset[int] = frozenset()  # this replica's shards with an operation running


@dataclass(frozen=True)
class Decision:
    """What to write this round. `drain` is the full set of held shards to hand over: they
    are renewed too (with `renew`) until each is released between operations."""

    renew: tuple[int, ...] = ()
    claim: tuple[int, ...] = ()
    drain: tuple[int, ...] = ()


def decide(seen: Round) -> Decision:
    me = seen.identity
    replicas = set(seen.replicas) | {me}
    held = sorted(s for s, holder in seen.holders.items() if holder == me)
    counts = Counter(seen.holders.values())
    lo, hi = share(seen.shards, len(replicas))
    others_behind = any(counts[r] < lo for r in replicas if r != me)
    surplus = 0
    if len(held) > hi:
        surplus = len(held) - hi
    elif others_behind and len(held) > lo and _donor(replicas, counts) == me:
        surplus = 1
    drain = _pick_drain(held, surplus, seen.draining, seen.busy)
    claim: tuple[int, ...] = ()
    wanted = (lo if others_behind else hi) - len(held)
    if wanted > 0:
        free = [s for s in range(seen.shards) if s not in seen.holders]
        claim = tuple(sorted(free, key=lambda s: _preference(me, s))[:wanted])
    return Decision(renew=tuple(held), claim=claim, drain=drain)


def _donor(replicas: set[str], counts: Counter[str]) -> str:
    """The replica that hands a shard to one that is behind: the one holding the most."""
    return min(replicas, key=lambda r: (-counts[r], r))


def _pick_drain(
    held: list[int], surplus: int, draining: frozenset[int], busy: frozenset[int]
) -> tuple[int, ...]:
    """Keep handing over what is already on its way out; then idle shards; then the rest."""
    if surplus <= 0:
        return ()
    order = sorted(held, key=lambda s: (s not in draining, s in busy, -s))
    return tuple(sorted(order[:surplus]))


def _preference(identity: str, shard: int) -> bytes:
    """Replicas claiming at once try free shards in different orders, so that few of their
    claims collide (a collision costs one refused write, not a wrong owner)."""
    return hashlib.sha256(f"{identity}/{shard}".encode()).digest()
