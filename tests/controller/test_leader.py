"""Lease-based leader election against the embedded API server."""

from __future__ import annotations

from gitsync.controller.leader import LeaderElector
from gitsync.kube import Cluster
from gitsync.sim import SimCluster
from tests.waiting import wait_for


def test_one_leader_at_a_time_and_release_hands_over(sim: SimCluster) -> None:
    with Cluster.from_kubeconfig(str(sim.kubeconfig)) as cluster:
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gs"}})
        first = LeaderElector(cluster, "gs", identity="one", lease_seconds=30)
        second = LeaderElector(cluster, "gs", identity="two", lease_seconds=30)
        assert first.try_acquire_or_renew()
        assert not second.try_acquire_or_renew()
        assert first.try_acquire_or_renew()  # renewing keeps it
        lease = sim.get_object("coordination.k8s.io/v1", "Lease", "gs", "gitsync-leader")
        assert lease is not None and lease["spec"]["holderIdentity"] == "one"

        first.start()
        wait_for(lambda: first.is_leader, what="the first elector leading")
        first.stop(release=True)
        assert not first.is_leader
        assert second.try_acquire_or_renew()
        lease = sim.get_object("coordination.k8s.io/v1", "Lease", "gs", "gitsync-leader")
        assert lease is not None and lease["spec"]["holderIdentity"] == "two"
        assert lease["spec"]["leaseTransitions"] == 1


def test_expired_lease_is_taken_over(sim: SimCluster) -> None:
    now = [1_000.0]
    with Cluster.from_kubeconfig(str(sim.kubeconfig)) as cluster:
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gs"}})
        holder = LeaderElector(cluster, "gs", identity="old", lease_seconds=5)
        assert holder.try_acquire_or_renew()
        late = LeaderElector(cluster, "gs", identity="new", lease_seconds=5, clock=lambda: now[0])
        now[0] = 4_000_000_000.0  # far past the holder's renewTime + 5 s
        assert late.try_acquire_or_renew()
