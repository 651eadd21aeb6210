"""LiveCache: filled by one LIST per kind, then kept current by watches alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.kube import Cluster, LiveCache
from gitsync.model.keys import ResourceKey
from tests.kube.conftest import config_map
from tests.waiting import wait_for


@pytest.fixture
def cache(cluster: Cluster) -> Iterator[LiveCache]:
    with LiveCache(cluster) as live:
        yield live


def key(name: str, namespace: str = "default") -> ResourceKey:
    return ResourceKey("", "ConfigMap", namespace, name)


def test_reading_a_thousand_objects_makes_no_request(
    cluster: Cluster, cache: LiveCache, sim: Any
) -> None:
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=0, max_in_flight=8) as writer:
        threads = [
            threading.Thread(
                target=lambda start=start: [
                    writer.apply(config_map(f"cm-{i:04d}", i=str(i))) for i in range(start, 1000, 4)
                ]
            )
            for start in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    cache.ensure_kind("v1", "ConfigMap")
    assert cache.wait_synced(5)
    assert len(cache.objects("v1", "ConfigMap", namespace="default")) == 1000

    sim.reset_requests()
    before_reads = cluster.stats.total - cluster.stats.count("WATCH")
    for _ in range(3):
        for i in range(1000):
            obj = cache.get(key(f"cm-{i:04d}"))
            assert obj is not None and obj["data"] == {"i": str(i)}
        assert len(cache.objects("v1", "ConfigMap")) == 1000
        cache.ensure_kind("v1", "ConfigMap")  # already tracked: no request either
    # The only traffic allowed is the watch stream itself (its first request may land at
    # any time, as the watch thread starts).
    assert [r for r in sim.requests if r.verb != "watch"] == []
    assert cluster.stats.total - cluster.stats.count("WATCH") == before_reads


def test_changes_behind_its_back_arrive_through_the_watch(
    cluster: Cluster, cache: LiveCache, sim: Any
) -> None:
    cluster.apply(config_map("watched", v="1"))
    cache.ensure_kind("v1", "ConfigMap")
    events: list[tuple[str, str]] = []
    cache.add_listener(lambda kind, obj: events.append((kind, obj["metadata"]["name"])))
    with Cluster.from_kubeconfig(sim.kubeconfig) as other:
        changed = other.apply(config_map("watched", v="2"))
        other.apply(config_map("new-one", v="1"))
        other.delete("v1", "ConfigMap", "default", "watched", propagation="Background")
    assert cache.fresh_after("v1", "ConfigMap", changed["metadata"]["resourceVersion"], 5)
    wait_for(
        lambda: cache.get(key("new-one")) is not None, what="the created ConfigMap in the cache"
    )
    wait_for(
        lambda: cache.get(key("watched")) is None, what="the deleted ConfigMap gone from the cache"
    )
    assert ("MODIFIED", "watched") in events
    assert ("ADDED", "new-one") in events
    assert ("DELETED", "watched") in events


def test_cache_with_label_selector_and_by_label(cluster: Cluster, sim: Any) -> None:
    mine = {"gitsync.io/app": "shop"}
    cluster.apply(
        {**config_map("in"), "metadata": {"name": "in", "namespace": "default", "labels": mine}}
    )
    cluster.apply(config_map("out"))
    with LiveCache(cluster, label_selector="gitsync.io/app") as cache:
        cache.ensure_kinds([("v1", "ConfigMap"), ("v1", "Secret")])
        assert [o["metadata"]["name"] for o in cache.objects("v1", "ConfigMap")] == ["in"]
        cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s", "namespace": "default", "labels": mine},
            }
        )
        wait_for(
            lambda: len(cache.by_label("gitsync.io/app=shop")) == 2,
            what="both labelled objects in the cache",
        )
        kinds = {o["kind"] for o in cache.by_label({"gitsync.io/app": "shop"})}
        assert kinds == {"ConfigMap", "Secret"}
        assert cache.by_label("gitsync.io/app=shop", kinds=[("v1", "Secret")])[0]["kind"] == (
            "Secret"
        )


def test_cache_objects_are_plain_dicts_with_type(cluster: Cluster, cache: LiveCache) -> None:
    cluster.apply(config_map("typed"))
    cache.ensure_kind("v1", "ConfigMap")
    obj = cache.get(key("typed"))
    assert type(obj) is dict
    assert obj["apiVersion"] == "v1" and obj["kind"] == "ConfigMap"


def test_unknown_kind_reaches_the_caller(cache: LiveCache) -> None:
    from gitsync.errors import UnknownKindError

    with pytest.raises(UnknownKindError):
        cache.ensure_kind("example.com/v1", "Gadget")
    assert cache.tracked() == []


def test_a_dropped_watch_connection_recovers(cluster: Cluster, sim: Any) -> None:
    with LiveCache(cluster, watch_timeout=1) as cache:
        cache.ensure_kind("v1", "ConfigMap")
        watcher = cache.watcher("v1", "ConfigMap")
        assert watcher is not None
        # every watch (re)connection is cut right after its headers until the rule goes
        rule = sim.faults.add(method="GET", path_regex="configmaps", drop_watch=True)
        wait_for(lambda: rule.fired >= 2, what="the watch failing twice")
        sim.apply(config_map("while-down", v="1"))
        assert cache.get(key("while-down")) is None
        rule.remove()
        wait_for(
            lambda: cache.get(key("while-down")) is not None,
            what="the object written while the watch was down",
        )
        assert watcher.restarts >= 2  # two dropped streams, then a good one
        # and it keeps following changes afterwards
        sim.apply(config_map("after", v="1"))
        wait_for(
            lambda: cache.get(key("after")) is not None,
            what="the object written after the watch came back",
        )


def test_a_watch_too_far_behind_lists_again(tmp_path: Any) -> None:
    from gitsync.sim import SimCluster

    with (
        SimCluster(controllers=False, watch_history=4) as small,
        Cluster.from_kubeconfig(small.kubeconfig, qps=0) as cluster,
        LiveCache(cluster, watch_timeout=1) as cache,
    ):
        cluster.apply(config_map("old", v="1"))
        cache.ensure_kind("v1", "ConfigMap")
        watcher = cache.watcher("v1", "ConfigMap")
        assert watcher is not None
        deleted: list[str] = []
        cache.add_listener(
            lambda kind, obj: deleted.append(obj["metadata"]["name"]) if kind == "DELETED" else None
        )
        rule = small.faults.add(method="GET", path_regex="configmaps", drop_watch=True)
        wait_for(lambda: rule.fired >= 1, what="the fault firing")
        # while the cache is away, enough happens for the history to forget its version
        small.delete_object("v1", "ConfigMap", "default", "old")
        for i in range(20):
            small.apply(config_map(f"new-{i}", v="1"))
        rule.remove()
        wait_for(
            lambda: len(cache.objects("v1", "ConfigMap")) == 20,
            what="all 20 ConfigMaps in the cache",
        )
        assert cache.get(key("old")) is None
        assert "old" in deleted  # the relist told listeners what went away
        assert watcher.relists >= 1


def _labelled(name: str, app: str) -> dict[str, Any]:
    cm = config_map(name)
    cm["metadata"]["labels"] = {"app": app}
    return cm


def test_the_label_index_follows_adds_relabels_and_deletes(cluster: Cluster) -> None:
    with LiveCache(cluster, label_selector="app", index_label="app") as indexed:
        indexed.ensure_kind("v1", "ConfigMap")
        for name, app in (("cm-a", "one"), ("cm-b", "one"), ("cm-c", "two")):
            cluster.apply(_labelled(name, app))
        cluster.apply(_labelled("cm-b", "two"))  # moves from one app to the other
        cluster.delete("v1", "ConfigMap", "default", "cm-a")

        def names(selector: str | dict[str, str]) -> set[str]:
            return {o["metadata"]["name"] for o in indexed.by_label(selector)}

        wait_for(
            lambda: names("app=two") == {"cm-b", "cm-c"} and names("app=one") == set(),
            what="the index to follow the changes",
        )
        # the index answers as matching every object does
        assert names({"app": "two"}) == names("app==two") == names("app in (two)")
        assert names("app in (one)") == set()
        assert names("app") == {"cm-b", "cm-c"}
