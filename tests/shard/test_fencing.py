"""Fenced ConfigMap writes and stamping against the embedded API server: a writer whose
tenure was superseded gets 409, re-reads, sees the later stamp and stops."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.kube import Cluster
from gitsync.shard import FencedError, FencedWriter, FenceToken, Stamper
from gitsync.shard.fencing import CONTROLLER_ANNOTATION, FENCE_ANNOTATION, SHARD_LABEL
from gitsync.sim import SimCluster

NS = "gs"
NAME = "gitsync-op-web"


class HeldFence:
    """A fence whose tenure the test sets (None: not held)."""

    def __init__(self, token: FenceToken | None) -> None:
        self.current = token

    def token(self, app: str) -> FenceToken:
        if self.current is None:
            raise FencedError(f"{app}: not held")
        return self.current


def _token(identity: str, transitions: int, uid: str = "uid-1") -> FenceToken:
    return FenceToken(identity, 2, "gitsync-shard-2", uid, transitions)


def _body(value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": NAME,
            "namespace": NS,
            "labels": {"app.kubernetes.io/component": "sync-operation"},
        },
        "data": {"v": value},
    }


@pytest.fixture
def cluster(sim: SimCluster) -> Iterator[Cluster]:
    with Cluster.from_kubeconfig(str(sim.kubeconfig)) as client:
        client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        yield client


def _writer(cluster: Cluster, fence: HeldFence) -> tuple[FencedWriter, Any, Any]:
    writer = FencedWriter(fence)
    return (
        writer,
        lambda body: cluster.apply(body),
        lambda: cluster.get("v1", "ConfigMap", NS, NAME),
    )


def test_a_write_is_stamped_with_the_tenure_and_the_shard(
    sim: SimCluster, cluster: Cluster
) -> None:
    writer, send, read = _writer(cluster, HeldFence(_token("a", 3)))
    writer.write("web", _body("1"), send=send, read=read)
    stored = sim.get_object("v1", "ConfigMap", NS, NAME)
    assert stored is not None
    assert stored["metadata"]["labels"][SHARD_LABEL] == "2"
    assert stored["metadata"]["annotations"][CONTROLLER_ANNOTATION] == "a"
    assert stored["metadata"]["annotations"][FENCE_ANNOTATION] == "gitsync-shard-2/uid-1/3"


def test_a_superseded_writer_is_refused_by_the_cluster(sim: SimCluster, cluster: Cluster) -> None:
    old, send, read = _writer(cluster, HeldFence(_token("a", 3)))
    old.write("web", _body("1"), send=send, read=read)
    # b takes the shard over and stamps the object; a still believes it holds the shard
    Stamper(cluster, NS, "app.kubernetes.io/component=sync-operation")(_token("b", 4))
    stamped = sim.get_object("v1", "ConfigMap", NS, NAME)
    assert stamped is not None
    assert stamped["metadata"]["annotations"][CONTROLLER_ANNOTATION] == "b"
    with pytest.raises(FencedError, match="written by b for a later tenure"):
        old.write("web", _body("stale"), send=send, read=read)
    kept = sim.get_object("v1", "ConfigMap", NS, NAME)
    assert kept is not None and kept["data"] == {"v": "1"}
    # the new holder writes on top, with no precondition of its own yet
    new, send, read = _writer(cluster, HeldFence(_token("b", 4)))
    new.write("web", _body("2"), send=send, read=read)
    assert sim.get_object("v1", "ConfigMap", NS, NAME)["data"] == {"v": "2"}  # type: ignore[index]


def test_another_writers_edit_of_the_same_tenure_is_written_over(
    sim: SimCluster, cluster: Cluster
) -> None:
    writer, send, read = _writer(cluster, HeldFence(_token("a", 3)))
    writer.write("web", _body("1"), send=send, read=read)
    # a forwarded refresh from another replica changes the resourceVersion, not the stamp
    cluster.patch(
        "v1", "ConfigMap", NS, NAME, {"metadata": {"annotations": {"gitsync.io/refresh": "x"}}}
    )
    sim.reset_requests()
    writer.write("web", _body("2"), send=send, read=read)
    assert sim.get_object("v1", "ConfigMap", NS, NAME)["data"] == {"v": "2"}  # type: ignore[index]
    assert [(r.verb, r.status) for r in sim.requests] == [
        ("patch", 409),
        ("get", 200),
        ("patch", 200),
    ]


def test_a_stamp_of_a_recreated_lease_does_not_outrank(sim: SimCluster, cluster: Cluster) -> None:
    older, send, read = _writer(cluster, HeldFence(_token("a", 9, uid="uid-old")))
    older.write("web", _body("1"), send=send, read=read)
    # The Lease was deleted and made again: its transitions start at 0 under a new uid.
    writer, send, read = _writer(cluster, HeldFence(_token("b", 0, uid="uid-new")))
    writer.note(sim.get_object("v1", "ConfigMap", NS, NAME))
    cluster.patch("v1", "ConfigMap", NS, NAME, {"data": {"v": "moved"}})
    writer.write("web", _body("2"), send=send, read=read)  # 409, re-read, written over
    stored = sim.get_object("v1", "ConfigMap", NS, NAME)
    assert stored is not None and stored["data"] == {"v": "2"}
    assert stored["metadata"]["annotations"][FENCE_ANNOTATION] == "gitsync-shard-2/uid-new/0"


def test_nothing_is_sent_without_the_shard(sim: SimCluster, cluster: Cluster) -> None:
    writer, send, read = _writer(cluster, HeldFence(None))
    sim.reset_requests()
    with pytest.raises(FencedError, match="not held"):
        writer.write("web", _body("1"), send=send, read=read)
    assert sim.writes() == []


def test_stamping_picks_the_shards_objects_the_caller_wants(
    sim: SimCluster, cluster: Cluster
) -> None:
    def configmap(name: str, shard: str, phase: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": NS,
                "labels": {"app.kubernetes.io/component": "sync-operation", SHARD_LABEL: shard},
            },
            "data": {"phase": phase},
        }

    for name, shard, phase in [
        ("r2", "2", "Running"),
        ("d2", "2", "Succeeded"),
        ("r3", "3", "Running"),
    ]:
        cluster.create(configmap(name, shard, phase))
    Stamper(
        cluster,
        NS,
        "app.kubernetes.io/component=sync-operation",
        wanted=lambda cm: cm["data"]["phase"] == "Running",
    )(_token("b", 4))
    stamped = {
        name: (sim.get_object("v1", "ConfigMap", NS, name) or {})["metadata"].get("annotations")
        for name in ("r2", "d2", "r3")
    }
    assert stamped["r2"] == {
        CONTROLLER_ANNOTATION: "b",
        FENCE_ANNOTATION: "gitsync-shard-2/uid-1/4",
    }
    assert not stamped["d2"] and not stamped["r3"]
