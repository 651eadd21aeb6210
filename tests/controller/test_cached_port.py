"""The controller's sync port reads an object before its apply from the watch cache, and
only while the cache has seen the port's own last write of the kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.controller.cachedcluster import CachedKubePort
from gitsync.kube import Cluster, LiveCache
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.model.enums import SyncPhase
from gitsync.model.keys import ResourceKey
from gitsync.sync.actions import write_object
from gitsync.sync.changes import Action
from gitsync.sync.port import ApplyOptions
from gitsync.sync.task import Task, TaskType


@pytest.fixture
def port(sim: Any) -> Iterator[CachedKubePort]:
    with (
        Cluster.from_kubeconfig(sim.kubeconfig, qps=0) as cluster,
        LiveCache(cluster, label_selector=TRACKING_LABEL) as cache,
    ):
        yield CachedKubePort(cluster, cache)


def config_map(name: str, *, tracked: bool = True, value: str = "1") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if tracked:
        meta["labels"] = {TRACKING_LABEL: "shop"}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"v": value}}


def key(name: str) -> ResourceKey:
    return ResourceKey("", "ConfigMap", "default", name)


def gets(sim: Any) -> list[str]:
    return [str(r.key) for r in sim.requests if r.verb == "get" and r.kind == "ConfigMap"]


def test_the_cache_answers_for_written_and_absent_objects_without_a_request(
    port: CachedKubePort, sim: Any
) -> None:
    written = port.apply(config_map("web", value="2"), options=ApplyOptions())
    sim.reset_requests()
    known, live = port.cached_live("v1", key("web"))
    assert known and live is not None
    version = live["metadata"]["resourceVersion"]
    assert int(version) >= int(written["metadata"]["resourceVersion"])
    assert live["data"] == {"v": "2"}
    assert port.cached_live("v1", key("never-written")) == (True, None)
    assert gets(sim) == []


def test_the_cache_does_not_answer_before_it_has_seen_the_ports_last_write(
    port: CachedKubePort,
) -> None:
    port.apply(config_map("web"), options=ApplyOptions())
    assert port.cached_live("v1", key("web"))[0]
    # An object without the tracking label never reaches the cache, so the cache cannot
    # show that it has seen this write: it no longer answers for the kind...
    port.apply(config_map("adopted", tracked=False), options=ApplyOptions())
    assert port.cached_live("v1", key("web")) == (False, None)
    assert port.cached_live("v1", key("adopted")) == (False, None)
    # ...until it has seen a later write of ours.
    port.apply(config_map("web", value="3"), options=ApplyOptions())
    known, live = port.cached_live("v1", key("web"))
    assert known and live is not None and live["data"] == {"v": "3"}


def test_a_deleted_object_is_never_given_from_the_cache(port: CachedKubePort) -> None:
    port.apply(config_map("web"), options=ApplyOptions())
    known, live = port.cached_live("v1", key("web"))
    assert known and live is not None
    port.delete("v1", "ConfigMap", "default", "web", propagation="Background")
    known, live = port.cached_live("v1", key("web"))
    assert live is None  # unknown until the watch shows the deletion, then absent
    recreated = port.apply(config_map("web", value="4"), options=ApplyOptions())
    known, live = port.cached_live("v1", key("web"))
    assert known and live is not None
    assert live["metadata"]["uid"] == recreated["metadata"]["uid"]


def _task(obj: dict[str, Any]) -> Task:
    return Task(
        type=TaskType.APPLY,
        phase=SyncPhase.SYNC,
        wave=0,
        key=ResourceKey.of(obj),
        api_version=obj["apiVersion"],
        obj=obj,
    )


def test_an_apply_onto_an_object_the_cache_took_as_absent_says_configured(
    port: CachedKubePort,
) -> None:
    # made by someone else, without the tracking label: the cache holds no copy of it
    legacy = config_map("legacy", tracked=False)
    legacy["data"]["kept"] = "theirs"  # a field gitsync does not set stays theirs
    port.cluster.apply(legacy, field_manager="kubectl")
    action, _ = write_object(port, _task(config_map("legacy", value="2")), None, dry_run=False)
    assert action is Action.CONFIGURED
    action, _ = write_object(port, _task(config_map("fresh")), None, dry_run=False)
    assert action is Action.CREATED
