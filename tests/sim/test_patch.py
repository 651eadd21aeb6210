"""Merge, JSON, strategic merge patch, server-side apply, and server-side defaulting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.dynamic import exceptions as dyn

from gitsync.sim import SimCluster

from .objects import config_map, crd, deployment

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def deploys(client: Any) -> Any:
    return client.resources.get(api_version="apps/v1", kind="Deployment")


def cms(client: Any) -> Any:
    return client.resources.get(api_version="v1", kind="ConfigMap")


def test_merge_patch_and_json_patch(sim_client: Any) -> None:
    cms(sim_client).create(body=config_map("m", a="1", b="2"), namespace="default")
    merged = cms(sim_client).patch(
        name="m", namespace="default", body={"data": {"a": None, "c": "3"}}, content_type=MERGE
    )
    assert merged.data.to_dict() == {"b": "2", "c": "3"}
    ops = [{"op": "replace", "path": "/data/b", "value": "x"}, {"op": "remove", "path": "/data/c"}]
    patched = cms(sim_client).patch(
        name="m", namespace="default", body=ops, content_type=JSON_PATCH
    )
    assert patched.data.to_dict() == {"b": "x"}


def test_strategic_merge_merges_containers_by_name(sim_client: Any) -> None:
    body = deployment("web")
    containers = body["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "sidecar", "image": "envoy:1", "env": [{"name": "A", "value": "1"}]})
    deploys(sim_client).create(body=body, namespace="default")
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "main", "image": "nginx:1.26"},
                        {"name": "sidecar", "env": [{"name": "B", "value": "2"}]},
                    ]
                }
            }
        }
    }
    result = deploys(sim_client).patch(name="web", namespace="default", body=patch).to_dict()
    by_name = {c["name"]: c for c in result["spec"]["template"]["spec"]["containers"]}
    assert by_name["main"]["image"] == "nginx:1.26"
    assert by_name["sidecar"]["image"] == "envoy:1"
    assert [e["name"] for e in by_name["sidecar"]["env"]] == ["A", "B"]
    delete = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
    }
    result = deploys(sim_client).patch(name="web", namespace="default", body=delete).to_dict()
    assert [c["name"] for c in result["spec"]["template"]["spec"]["containers"]] == ["main"]


def test_strategic_merge_on_a_custom_resource_is_415(sim_client: Any) -> None:
    crds = sim_client.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    crds.create(body=crd("example.com", "Widget", "widgets"))
    sim_client.resources.invalidate_cache()
    widgets = sim_client.resources.get(api_version="example.com/v1", kind="Widget")
    widgets.create(
        body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        namespace="default",
    )
    with pytest.raises(dyn.ApiException) as caught:
        widgets.patch(name="w", namespace="default", body={"spec": {"size": 1}})
    assert caught.value.status == 415
    merged = widgets.patch(
        name="w", namespace="default", body={"spec": {"size": 1}}, content_type=MERGE
    )
    assert merged.spec.size == 1


def test_apply_creates_updates_and_removes_fields_no_longer_applied(sim_client: Any) -> None:
    first = config_map("cfg", a="1", b="2")
    created = cms(sim_client).server_side_apply(
        body=first, namespace="default", field_manager="alice"
    )
    assert created.data.to_dict() == {"a": "1", "b": "2"}
    entries = {e["manager"]: e for e in created.to_dict()["metadata"]["managedFields"]}
    assert entries["alice"]["operation"] == "Apply"
    cms(sim_client).server_side_apply(
        body=config_map("cfg", c="3"), namespace="default", field_manager="bob"
    )
    updated = cms(sim_client).server_side_apply(
        body=config_map("cfg", a="10"), namespace="default", field_manager="alice"
    )
    assert updated.data.to_dict() == {"a": "10", "c": "3"}  # b dropped, bob's c survives
    managers = {e["manager"] for e in updated.to_dict()["metadata"]["managedFields"]}
    assert managers == {"alice", "bob"}


def test_a_field_shared_with_another_manager_survives(sim_client: Any) -> None:
    cms(sim_client).server_side_apply(
        body=config_map("cfg", a="1", shared="s"), namespace="default", field_manager="alice"
    )
    cms(sim_client).server_side_apply(
        body=config_map("cfg", shared="s"), namespace="default", field_manager="bob"
    )
    after = cms(sim_client).server_side_apply(
        body=config_map("cfg", a="1"), namespace="default", field_manager="alice"
    )
    assert after.data.to_dict() == {"a": "1", "shared": "s"}


def test_apply_conflict_without_force_and_with_force(sim_client: Any) -> None:
    deploys(sim_client).server_side_apply(
        body=deployment("web", replicas=2), namespace="default", field_manager="gitsync"
    )
    deploys(sim_client).patch(
        name="web",
        namespace="default",
        body={"spec": {"replicas": 5}},
        content_type=MERGE,
        field_manager="hpa",
    )
    with pytest.raises(dyn.ConflictError) as caught:
        deploys(sim_client).server_side_apply(
            body=deployment("web", replicas=2), namespace="default", field_manager="gitsync"
        )
    message = json.loads(caught.value.body)["message"]
    assert '"hpa"' in message and ".spec.replicas" in message
    forced = deploys(sim_client).server_side_apply(
        body=deployment("web", replicas=2),
        namespace="default",
        field_manager="gitsync",
        force_conflicts=True,
    )
    assert forced.spec.replicas == 2


def test_apply_needs_a_field_manager(sim: SimCluster, sim_client: Any) -> None:
    resource = cms(sim_client)
    with pytest.raises(dyn.UnprocessibleEntityError):
        sim_client.request(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/x",
            body=config_map("x"),
            content_type="application/apply-patch+yaml",
        )
    assert resource is not None


def test_apply_with_yaml_body_and_a_noop_keeps_the_resource_version(sim_client: Any) -> None:
    yaml_body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n"
    path = "/api/v1/namespaces/default/configmaps/y"
    created = sim_client.request(
        "PATCH",
        path,
        body=yaml_body,
        content_type="application/apply-patch+yaml",
        query_params=[("fieldManager", "me")],
    )
    again = sim_client.request(
        "PATCH",
        path,
        body=yaml_body,
        content_type="application/apply-patch+yaml",
        query_params=[("fieldManager", "me")],
    )
    assert created.data.k == "v"
    assert again.metadata.resourceVersion == created.metadata.resourceVersion


def test_apply_merges_keyed_lists_of_built_in_kinds(sim_client: Any) -> None:
    body = deployment("web")
    deploys(sim_client).server_side_apply(body=body, namespace="default", field_manager="a")
    sidecar = deployment("web")
    sidecar["spec"]["template"]["spec"]["containers"] = [{"name": "log", "image": "fluent:1"}]
    result = deploys(sim_client).server_side_apply(
        body=sidecar, namespace="default", field_manager="b"
    )
    names = [c.name for c in result.spec.template.spec.containers]
    assert names == ["main", "log"]


def test_server_side_defaults(sim_client: Any) -> None:
    created = deploys(sim_client).create(
        body=deployment("d", image="app:latest"), namespace="default"
    )
    spec = created.to_dict()["spec"]
    assert spec["replicas"] == 1
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Always" and pod["dnsPolicy"] == "ClusterFirst"
    container = pod["containers"][0]
    assert container["imagePullPolicy"] == "Always"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    services = sim_client.resources.get(api_version="v1", kind="Service")
    svc = services.create(
        body={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {"selector": {"app": "d"}, "ports": [{"port": 80}]},
        },
        namespace="default",
    ).to_dict()["spec"]
    assert svc["type"] == "ClusterIP" and svc["clusterIP"]
    assert svc["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
