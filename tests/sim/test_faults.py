"""Fault injection and the request log."""

from __future__ import annotations

import time
from typing import Any

import pytest
import urllib3
from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException

from gitsync.sim import SimCluster

from .objects import config_map


def test_errors_then_success(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    rule = sim.faults.add(method="GET", kind="ConfigMap", name="x", status=503, times=2)
    core.create_namespaced_config_map("default", config_map("x"))
    for _ in range(2):
        with pytest.raises(ApiException) as caught:
            core.read_namespaced_config_map("x", "default")
        assert caught.value.status == 503
    assert core.read_namespaced_config_map("x", "default").metadata.name == "x"
    assert rule.fired == 2


def test_conflict_rule_on_a_path_and_removal(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    rule = sim.faults.add(method="POST", path_regex=r"/configmaps$", status=409)
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("default", config_map("y"))
    assert caught.value.status == 409
    rule.remove()
    core.create_namespaced_config_map("default", config_map("y"))
    sim.faults.add(status=500)
    sim.faults.clear()
    assert core.read_namespaced_config_map("y", "default").metadata.name == "y"


def test_latency(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    core.list_namespaced_config_map("default")
    sim.faults.add(latency=0.05, times=1)
    started = time.monotonic()
    core.list_namespaced_config_map("default")
    assert time.monotonic() - started >= 0.05
    started = time.monotonic()
    core.list_namespaced_config_map("default")
    assert time.monotonic() - started < 0.04


def test_dropped_watch(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    rule = sim.faults.add(drop_watch=True, times=1)
    core.list_namespaced_config_map("default")  # not a watch: not dropped
    with pytest.raises((urllib3.exceptions.HTTPError, ApiException, OSError)):
        response = core.list_namespaced_config_map(
            "default", watch=True, _preload_content=False, timeout_seconds=1
        )
        for _ in response.stream():
            pass
    assert rule.fired == 1


def test_request_log(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    sim.reset_requests()
    core.create_namespaced_config_map("default", config_map("logged"))
    core.read_namespaced_config_map("logged", "default")
    core.patch_namespaced_config_map("logged", "default", {"data": {"a": "b"}})
    core.delete_namespaced_config_map("logged", "default")
    records = sim.requests
    assert [r.verb for r in records] == ["create", "get", "patch", "delete"]
    assert {r.key for r in records} == {"ConfigMap/default/logged"}
    assert [r.status for r in records] == [201, 200, 200, 200]
    assert records[0].time <= records[-1].time
    assert sim.request_count == 4
    assert [r.method for r in sim.writes()] == ["POST", "PATCH", "DELETE"]
