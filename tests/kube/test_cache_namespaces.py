"""`LiveCache(namespaces=...)`: namespaced kinds listed and watched per namespace, never
across the cluster; cluster-scoped kinds refused."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.kube import Cluster, LiveCache
from gitsync.kube.cache import OutOfScopeError
from gitsync.model.keys import ResourceKey
from tests.kube.conftest import config_map, namespace
from tests.waiting import wait_for


def test_lists_and_watches_only_the_given_namespaces(cluster: Cluster, sim: Any) -> None:
    for name in ("a", "b", "c"):
        namespace(cluster, name)
        cluster.apply(config_map("before", name, v=name))
    sim.reset_requests()
    with LiveCache(cluster, namespaces=["b", "a"]) as cache:
        cache.ensure_kind("v1", "ConfigMap")
        assert cache.wait_synced(5)
        seen = {
            (o["metadata"]["namespace"], o["metadata"]["name"])
            for o in cache.objects("v1", "ConfigMap")
        }
        assert seen == {("a", "before"), ("b", "before")}
        cluster.apply(config_map("later", "b", v="1"))
        cluster.apply(config_map("later", "c", v="1"))
        cluster.delete("v1", "ConfigMap", "a", "before", propagation="Background")
        wait_for(
            lambda: (
                cache.get(ResourceKey("", "ConfigMap", "b", "later")) is not None
                and cache.get(ResourceKey("", "ConfigMap", "a", "before")) is None
            ),
            timeout=10,
            what="changes in a and b through the watches",
        )
        assert cache.get(ResourceKey("", "ConfigMap", "c", "later")) is None
        # a relist of one namespace leaves the other's objects alone
        watchers = [w for w in cache.watchers("v1", "ConfigMap") if w.namespace == "a"]
        watchers[0].relist()
        assert cache.get(ResourceKey("", "ConfigMap", "b", "before")) is not None
        with pytest.raises(OutOfScopeError) as caught:
            cache.ensure_kind("rbac.authorization.k8s.io/v1", "ClusterRole")
        assert "ClusterRole is cluster-scoped" in str(caught.value)
    reads = [r for r in sim.requests if r.verb in ("list", "watch") and r.kind == "ConfigMap"]
    assert {r.namespace for r in reads} == {"a", "b"}
    assert {r.verb for r in reads} == {"list", "watch"}
