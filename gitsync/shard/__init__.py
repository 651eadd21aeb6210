"""Sharding `gitsync serve` over Kubernetes Leases (``--shards N``).

Apps map to shards by a stable hash (`assignment`); each replica claims, renews and hands
over ``gitsync-shard-<i>`` Leases (`leases`), judging expiry as it observed the Leases
(`expiry`, `leaseview`), in its LISTs and through a watch (`leasewatch`); writes for an
app are fenced by the tenure of its shard (`fencing`, `stamping`); `ownership` is the
predicate the controller asks.
docs/scaling.md describes the model and its failure cases.
"""

from gitsync.shard.assignment import SHARD_BY, shard_key, shard_of
from gitsync.shard.fencing import Fence, FencedError, FencedWriter, FenceToken
from gitsync.shard.leases import ShardLeases, ShardListener
from gitsync.shard.ownership import Ownership
from gitsync.shard.stamping import Stamper

__all__ = [
    "SHARD_BY",
    "Fence",
    "FenceToken",
    "FencedError",
    "FencedWriter",
    "Ownership",
    "ShardLeases",
    "ShardListener",
    "Stamper",
    "shard_key",
    "shard_of",
]
