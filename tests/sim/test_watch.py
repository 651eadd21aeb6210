"""Watch streams with the kubernetes client's Watch and the DynamicClient."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kubernetes import watch
from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException

from gitsync.sim import SimCluster

from .objects import config_map


def test_watch_sees_added_modified_deleted(sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    version = core.list_namespaced_config_map("default").metadata.resource_version

    def changes() -> None:
        core.create_namespaced_config_map("default", config_map("w", v="1"))
        core.patch_namespaced_config_map("w", "default", {"data": {"v": "2"}})
        core.delete_namespaced_config_map("w", "default")

    threading.Timer(0.05, changes).start()
    seen = []
    for event in watch.Watch().stream(
        core.list_namespaced_config_map,
        "default",
        resource_version=version,
        timeout_seconds=2,
    ):
        seen.append((event["type"], event["object"].metadata.name))
        if event["type"] == "DELETED":
            break
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_watch_resumes_from_a_resource_version(sim_client: Any) -> None:
    cms = sim_client.resources.get(api_version="v1", kind="ConfigMap")
    first = cms.create(body=config_map("a"), namespace="default")
    cms.create(body=config_map("b"), namespace="default")
    cms.create(body=config_map("c"), namespace="default")
    names = []
    for event in cms.watch(
        namespace="default", resource_version=first.metadata.resourceVersion, timeout=1
    ):
        names.append(event["object"].metadata.name)
        if len(names) == 2:
            break
    assert names == ["b", "c"]


def test_watch_without_version_lists_current_objects_first(sim_client: Any) -> None:
    cms = sim_client.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=config_map("there"), namespace="default")
    events = list(cms.watch(namespace="default", timeout=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "there")]


def test_watch_applies_label_selectors(sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    version = core.list_namespaced_config_map("default").metadata.resource_version
    plain = config_map("plain")
    labelled = config_map("labelled")
    labelled["metadata"]["labels"] = {"app": "x"}
    core.create_namespaced_config_map("default", plain)
    core.create_namespaced_config_map("default", labelled)
    names = [
        e["object"].metadata.name
        for e in watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            label_selector="app=x",
            resource_version=version,
            timeout_seconds=1,
        )
    ]
    assert names == ["labelled"]


def test_too_old_resource_version_is_410() -> None:
    with SimCluster(controllers=False, watch_history=2) as small:
        from kubernetes import config

        client = config.new_client_from_config(str(small.kubeconfig))
        core = CoreV1Api(client)
        for n in range(6):
            core.create_namespaced_config_map("default", config_map(f"c{n}"))
        stream = watch.Watch().stream(
            core.list_namespaced_config_map, "default", resource_version="1", timeout_seconds=1
        )
        with pytest.raises(ApiException) as caught:
            list(stream)
        assert caught.value.status == 410
        client.close()
