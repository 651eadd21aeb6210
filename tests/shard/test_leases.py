"""Shard Leases against the embedded API server: claims, handover, expiry, fencing.

Each replica gets its own clock (a list holding seconds), as separate processes have:
a round observes the Leases at that clock's time, so expiry is decided without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.kube import Cluster
from gitsync.shard import FencedError, FenceToken, ShardLeases
from gitsync.shard.leases import EARLY_ROUND_GAP
from gitsync.shard.leaseview import LEASE_API, LeaseClient
from gitsync.shard.leasewatch import LeaseWatch
from gitsync.sim import SimCluster
from tests.waiting import wait_for

NS = "gs"


class Recorder:
    """A ShardListener that records what it heard; `busy` is set by the test."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.busy: set[int] = set()
        self.lock = threading.Lock()

    def shard_acquired(self, shard: int) -> None:
        with self.lock:
            self.events.append(("acquired", shard))

    def shard_lost(self, shard: int) -> None:
        with self.lock:
            self.events.append(("lost", shard))

    def shard_busy(self, shard: int) -> bool:
        return shard in self.busy


class Replica:
    def __init__(self, cluster: LeaseClient, name: str, shards: int, **kw: Any) -> None:
        self.now = [1000.0]
        self.listener = Recorder()
        self.leases = ShardLeases(
            cluster, NS, name, shards, lease_seconds=15, clock=lambda: self.now[0], **kw
        )
        self.leases._listener = self.listener  # rounds are run by the test, not a thread

    def round(self, advance: float = 5.0) -> None:
        self.now[0] += advance
        self.leases.run_round()


@pytest.fixture
def cluster(sim: SimCluster) -> Iterator[Cluster]:
    with Cluster.from_kubeconfig(str(sim.kubeconfig)) as client:
        client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        yield client


def _holder(sim: SimCluster, name: str) -> str | None:
    lease = sim.get_object(LEASE_API, "Lease", NS, name)
    return None if lease is None else lease["spec"].get("holderIdentity")


def test_alone_a_replica_announces_itself_then_claims_every_shard(
    sim: SimCluster, cluster: Cluster
) -> None:
    a = Replica(cluster, "a", 3)
    a.round()
    assert a.leases.held() == []  # the first round only announces
    assert _holder(sim, "gitsync-replica-a") == "a"
    a.round()
    assert a.leases.held() == [0, 1, 2]
    assert sorted(a.listener.events) == [("acquired", 0), ("acquired", 1), ("acquired", 2)]
    lease = sim.get_object(LEASE_API, "Lease", NS, "gitsync-shard-1")
    assert lease is not None
    assert lease["metadata"]["annotations"]["gitsync.io/shards"] == "3"
    assert lease["spec"]["leaseDurationSeconds"] == 15
    token = a.leases.token(1)
    assert (token.identity, token.shard, token.transitions) == ("a", 1, 0)
    assert token.uid == lease["metadata"]["uid"]


def test_a_joining_replica_gets_its_share_by_handover_between_operations(
    sim: SimCluster, cluster: Cluster
) -> None:
    a, b = Replica(cluster, "a", 4), Replica(cluster, "b", 4)
    a.round()
    a.round()
    assert a.leases.held() == [0, 1, 2, 3]
    a.listener.busy = {0, 1, 2, 3}  # an operation runs in every shard
    b.round()  # b announces itself
    a.round()  # a sees b: two shards to hand over, but none is idle
    assert a.leases.held() == [0, 1, 2, 3]
    assert sum(a.leases.draining(s) for s in range(4)) == 2
    draining = [s for s in range(4) if a.leases.draining(s)]
    a.listener.busy = set()
    a.round()  # idle now: released
    assert a.leases.held() == sorted(set(range(4)) - set(draining))
    assert [e for e in a.listener.events if e[0] == "lost"] == [("lost", s) for s in draining]
    assert all(_holder(sim, f"gitsync-shard-{s}") is None for s in draining)
    b.round()
    assert b.leases.held() == draining
    token = b.leases.token(draining[0])
    assert token.transitions == 1  # released, then claimed: the holder changed once
    a.round()
    b.round()
    assert sorted(a.leases.held() + b.leases.held()) == [0, 1, 2, 3]


def test_an_expired_lease_is_taken_over_after_stamping_and_fences_the_old_holder(
    sim: SimCluster, cluster: Cluster
) -> None:
    prepared: list[tuple[FenceToken, bool]] = []
    a = Replica(cluster, "a", 2)
    b = Replica(cluster, "b", 2, prepare=lambda token, takeover: prepared.append((token, takeover)))
    a.round()
    b.round()
    a.round()
    b.round()
    wait_for(lambda: b.leases.held(), what="b prepared its first shard")
    assert sorted(a.leases.held() + b.leases.held()) == [0, 1]
    (theirs,) = a.leases.held()
    assert a.leases.token(theirs).transitions == 0
    # a stops renewing (paused); b keeps looking: after a whole Lease duration of seeing
    # no change (15 s of b's clock since it saw a's last renewal), a's Lease has expired.
    b.round()
    b.round(advance=9.9)
    assert b.leases.held() == [1 - theirs]
    b.round(advance=0.1)
    wait_for(lambda: theirs in b.leases.held(), what="b announces the taken shard")
    assert [(t.shard, takeover) for t, takeover in prepared] == [
        (1 - theirs, False),
        (theirs, True),
    ]
    token = prepared[1][0]
    assert token.identity == "b" and token.transitions == 1
    assert ("acquired", theirs) in b.listener.events

    # a resumes: its renewal is older than its validity, so it writes nothing
    a.now[0] += 20
    with pytest.raises(FencedError, match="renewed"):
        a.leases.token(theirs)
    a.round(advance=0)
    assert a.leases.held() == []
    assert ("lost", theirs) in a.listener.events
    with pytest.raises(FencedError, match="not held"):
        a.leases.token(theirs)


def test_a_holder_writes_only_while_its_renewal_is_fresh(cluster: Cluster) -> None:
    a = Replica(cluster, "a", 1)
    a.round()
    a.round()
    assert a.leases.token(0)
    a.now[0] += a.leases.validity - 0.5
    assert a.leases.holds(0) and a.leases.fresh()
    a.now[0] += 1.0
    assert not a.leases.holds(0) and not a.leases.fresh()
    a.round(advance=0)  # renewed again: nobody took the Lease meanwhile
    assert a.leases.holds(0)


def test_a_live_lease_of_another_shard_count_blocks_claims(
    sim: SimCluster, cluster: Cluster
) -> None:
    old = Replica(cluster, "old", 3)
    old.round()
    old.round()
    new = Replica(cluster, "new", 4)
    new.round()
    new.round()
    assert new.leases.held() == []
    assert "of 3 shards is held by old" in new.leases.blocked
    old.leases.stop(release=True)
    new.round()
    assert new.leases.blocked == ""
    assert new.leases.held() == [0, 1, 2, 3]


def test_the_single_shard_leader_lease_blocks_claims(sim: SimCluster, cluster: Cluster) -> None:
    from gitsync.controller.leader import LeaderElector

    leader = LeaderElector(cluster, NS, identity="leader", lease_seconds=15)
    assert leader.try_acquire_or_renew()
    a = Replica(cluster, "a", 2)
    a.round()
    a.round()
    assert a.leases.held() == [] and "gitsync-leader" in a.leases.blocked


def test_a_second_process_with_the_same_identity_waits(sim: SimCluster, cluster: Cluster) -> None:
    first, second = Replica(cluster, "same", 2), Replica(cluster, "same", 2)
    first.round()
    first.round()
    assert first.leases.held() == [0, 1]
    second.round()
    second.round()
    assert "identity same" in second.leases.blocked
    assert second.leases.held() == []
    # the shards stay with the first process, which keeps renewing them
    first.round()
    assert first.leases.held() == [0, 1]


def test_stop_releases_every_shard_and_the_presence(sim: SimCluster, cluster: Cluster) -> None:
    a = Replica(cluster, "a", 2)
    a.round()
    a.round()
    a.leases.stop(release=True)
    assert _holder(sim, "gitsync-shard-0") is None
    assert _holder(sim, "gitsync-shard-1") is None
    assert _holder(sim, "gitsync-replica-a") is None
    assert ("lost", 0) in a.listener.events


def test_the_presence_lease_of_a_replica_long_gone_is_deleted(
    sim: SimCluster, cluster: Cluster
) -> None:
    gone, a = Replica(cluster, "gone", 2), Replica(cluster, "a", 2)
    gone.round()
    gone.leases.stop(release=True)
    a.round()
    a.round(advance=15 * 19)
    assert _holder(sim, "gitsync-replica-gone") is None  # released, still there
    assert sim.get_object(LEASE_API, "Lease", NS, "gitsync-replica-gone") is not None
    a.round(advance=15 * 2)
    assert sim.get_object(LEASE_API, "Lease", NS, "gitsync-replica-gone") is None
    assert sim.get_object(LEASE_API, "Lease", NS, "gitsync-replica-a") is not None


def test_a_single_leader_waits_while_shard_leases_are_held(
    sim: SimCluster, cluster: Cluster
) -> None:
    from gitsync.controller.leader import LeaderElector
    from gitsync.shard.leaseview import shard_leases_in_use

    a = Replica(cluster, "a", 2)
    a.round()
    a.round()
    leader = LeaderElector(
        cluster,
        NS,
        identity="leader",
        acquire_blocked=lambda: shard_leases_in_use(cluster, NS),
    )
    assert not leader.try_acquire_or_renew()
    assert leader.blocked == "shard Lease gitsync-shard-0 is held by a"
    a.leases.stop(release=True)
    assert leader.try_acquire_or_renew()
    assert leader.blocked == ""


# -- when the rounds run: expiry observed by the watch, nudges ------------------------------
def _lease(sim: SimCluster, name: str) -> dict[str, Any]:
    found = sim.get_object(LEASE_API, "Lease", NS, name)
    assert found is not None
    return found


def test_a_renewal_seen_by_the_watch_is_taken_over_at_its_expiry_not_a_period_later(
    sim: SimCluster, cluster: Cluster
) -> None:
    a, b = Replica(cluster, "a", 2), Replica(cluster, "b", 2)
    a.round()
    b.round()
    a.round()
    b.round()
    (theirs,) = a.leases.held()
    a.round()  # a's last renewal (presence, then shard); a dies
    for name in ("gitsync-replica-a", f"gitsync-shard-{theirs}"):
        b.leases.seen("MODIFIED", _lease(sim, name))  # the watch delivers it at once
    renewed = b.now[0]
    for _ in range(3):
        b.round(advance=4)  # b's own rounds, every 4 s of its clock
    assert theirs not in b.leases.held()
    # the next round is due when a's renewal expires as b saw it, before b's period
    assert b.leases.next_round_at() == renewed + 15 < b.now[0] + 4
    b.now[0] = renewed + 15 - 0.01
    b.leases.run_round()
    assert theirs not in b.leases.held()  # never sooner than a Lease duration
    assert b.leases.next_round_at() == renewed + 15
    b.now[0] = renewed + 15
    b.leases.run_round()
    assert b.leases.held() == [0, 1]
    assert b.leases.token(theirs).transitions == 1


def test_without_the_watch_a_renewal_counts_from_the_list_that_showed_it(
    sim: SimCluster, cluster: Cluster
) -> None:
    a, b = Replica(cluster, "a", 2), Replica(cluster, "b", 2)
    a.round()
    b.round()
    a.round()
    b.round()
    (theirs,) = a.leases.held()
    a.round()  # a's last renewal; b sees it at its next round, 3 s later
    b.round(advance=3)
    listed = b.now[0]
    b.round(advance=4)
    b.round(advance=4)
    b.round(advance=4)
    assert b.leases.next_round_at() == listed + 15  # still before b's period
    b.now[0] = listed + 15
    b.leases.run_round()
    assert b.leases.held() == [0, 1]
    assert theirs in b.leases.held()


def test_a_shard_given_up_brings_the_next_round_forward(sim: SimCluster, cluster: Cluster) -> None:
    a, b = Replica(cluster, "a", 2), Replica(cluster, "b", 2)
    a.round()
    a.round()
    assert a.leases.held() == [0, 1]
    b.round()  # announces b
    b.round()  # nothing free to claim
    a.round()  # a sees b and hands over an idle shard at once
    (given,) = set(range(2)) - set(a.leases.held())
    periodic = b.now[0] + b.leases.renew_every
    assert b.leases.next_round_at() == periodic
    b.leases.seen("MODIFIED", _lease(sim, f"gitsync-shard-{given}"))
    soon = b.now[0] + b.leases.renew_every * EARLY_ROUND_GAP
    assert b.leases.next_round_at() == pytest.approx(soon)
    b.now[0] = soon
    b.leases.run_round()
    assert b.leases.held() == [given]
    assert b.leases.next_round_at() == pytest.approx(b.now[0] + b.leases.renew_every)


def test_a_replica_that_only_announced_itself_is_not_nudged(
    sim: SimCluster, cluster: Cluster
) -> None:
    a = Replica(cluster, "a", 1)
    a.round()
    a.round()
    a.leases.stop(release=True)
    b = Replica(cluster, "b", 1)
    b.round()  # its first round only announces, whatever it sees
    b.leases.seen("MODIFIED", _lease(sim, "gitsync-shard-0"))
    assert b.leases.next_round_at() == b.now[0] + b.leases.renew_every


class StaleLists:
    """The Lease client, but LISTs answer `frozen` while it is set: the writes then race
    with what others wrote since, as those of a slow LIST do."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.frozen: list[dict[str, Any]] | None = None

    def list(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return self.frozen if self.frozen is not None else self.cluster.list(*args, **kwargs)

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return self.cluster.create(obj, dry_run=dry_run)

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        return self.cluster.replace(obj, dry_run=dry_run)

    def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
        return self.cluster.delete(api_version, kind, namespace, name)


def test_a_claim_lost_to_another_replica_brings_the_next_round_forward(
    sim: SimCluster, cluster: Cluster
) -> None:
    stale = StaleLists(cluster)
    a, b = Replica(cluster, "a", 1), Replica(stale, "b", 1)
    a.round()
    b.round()
    stale.frozen = cluster.list(LEASE_API, "Lease", namespace=NS)  # shard 0 not there yet
    a.round()
    assert a.leases.held() == [0]
    b.round()  # claims shard 0 as its LIST shows it: refused, a got there first
    assert b.leases.held() == []
    soon = b.now[0] + b.leases.renew_every * EARLY_ROUND_GAP
    assert b.leases.next_round_at() == pytest.approx(soon)
    stale.frozen = None
    b.now[0] = soon
    b.leases.run_round()  # sees a holding it: nothing to claim, no nudge
    assert b.leases.held() == []
    assert b.leases.next_round_at() == pytest.approx(b.now[0] + b.leases.renew_every)


def test_the_lease_watch_hands_every_change_to_its_listener(
    sim: SimCluster, cluster: Cluster
) -> None:
    events: list[tuple[str, str, str]] = []

    def seen(event_type: str, lease: dict[str, Any]) -> None:
        meta = lease["metadata"]
        events.append((event_type, meta["name"], meta["resourceVersion"]))

    watch = LeaseWatch(cluster, NS, seen)
    watch.start()
    try:
        a = Replica(cluster, "a", 1)
        a.round()
        a.round()
        for _ in range(2):
            a.round()
            version = _lease(sim, "gitsync-shard-0")["metadata"]["resourceVersion"]
            wait_for(
                lambda v=version: ("MODIFIED", "gitsync-shard-0", v) in events,
                what=f"the renewal {version} watched",
            )
        cluster.delete(LEASE_API, "Lease", NS, "gitsync-shard-0")
        wait_for(
            lambda: any(e[:2] == ("DELETED", "gitsync-shard-0") for e in events),
            what="the deletion watched",
        )
    finally:
        watch.stop()
