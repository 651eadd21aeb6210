"""CRUD semantics over HTTP with the real kubernetes client."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.client import CoreV1Api
from kubernetes.dynamic import exceptions as dyn

from gitsync.sim import SimCluster

from .objects import config_map, deployment


def configmaps(client: Any) -> Any:
    return client.resources.get(api_version="v1", kind="ConfigMap")


def test_create_assigns_identity_and_get_returns_it(sim_client: Any) -> None:
    created = configmaps(sim_client).create(body=config_map("a", x="1"), namespace="default")
    meta = created.metadata
    assert meta.uid and meta.creationTimestamp and meta.resourceVersion.isdigit()
    got = configmaps(sim_client).get(name="a", namespace="default")
    assert got.metadata.uid == meta.uid
    assert got.data.x == "1"


def test_generate_name_gets_a_random_suffix(sim_client: Any) -> None:
    body = config_map("")
    body["metadata"] = {"generateName": "run-", "namespace": "default"}
    first = configmaps(sim_client).create(body=body, namespace="default").metadata.name
    second = configmaps(sim_client).create(body=body, namespace="default").metadata.name
    assert first.startswith("run-") and len(first) == len("run-") + 5
    assert first != second


def test_duplicate_create_is_409_already_exists(sim_client: Any) -> None:
    configmaps(sim_client).create(body=config_map("dup"), namespace="default")
    with pytest.raises(dyn.ConflictError) as caught:
        configmaps(sim_client).create(body=config_map("dup"), namespace="default")
    assert caught.value.status == 409
    assert "AlreadyExists" in caught.value.body


def test_stale_resource_version_on_put_is_409_conflict(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    first = cms.create(body=config_map("c", v="1"), namespace="default").to_dict()
    fresh = dict(first, data={"v": "2"})
    cms.replace(body=fresh, namespace="default")
    stale = dict(first, data={"v": "3"})
    with pytest.raises(dyn.ConflictError) as caught:
        cms.replace(body=stale, namespace="default")
    assert "Conflict" in caught.value.body
    assert cms.get(name="c", namespace="default").data.v == "2"


def test_not_found_missing_namespace_and_missing_name(sim_client: Any) -> None:
    with pytest.raises(dyn.NotFoundError):
        configmaps(sim_client).get(name="nope", namespace="default")
    with pytest.raises(dyn.NotFoundError) as caught:
        configmaps(sim_client).create(body=config_map("x", "ghost"), namespace="ghost")
    assert 'namespaces \\"ghost\\" not found' in caught.value.body or "ghost" in caught.value.body
    body = config_map("")
    body["metadata"] = {"namespace": "default"}
    with pytest.raises(dyn.UnprocessibleEntityError) as invalid:
        configmaps(sim_client).create(body=body, namespace="default")
    assert '"reason":"Invalid"' in invalid.value.body.replace(" ", "")


def test_generation_counts_spec_changes_only(sim_client: Any) -> None:
    deploys = sim_client.resources.get(api_version="apps/v1", kind="Deployment")
    deploys.create(body=deployment("web"), namespace="default")
    patch = {"metadata": {"labels": {"team": "a"}}}
    labelled = deploys.patch(
        name="web", namespace="default", body=patch, content_type="application/merge-patch+json"
    )
    assert labelled.metadata.generation == 1
    scaled = deploys.patch(
        name="web",
        namespace="default",
        body={"spec": {"replicas": 3}},
        content_type="application/merge-patch+json",
    )
    assert scaled.metadata.generation == 2


def test_status_subresource(sim: SimCluster, sim_client: Any) -> None:
    sim.controllers.deployment.enabled = False
    deploys = sim_client.resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("s")
    body["status"] = {"replicas": 99}
    created = deploys.create(body=body, namespace="default")
    assert not created.to_dict().get("status")  # status is ignored on create
    current = deploys.get(name="s", namespace="default").to_dict()
    current["status"] = {"observedGeneration": 1, "replicas": 7}
    current["spec"]["replicas"] = 5
    deploys.status.replace(body=current, namespace="default")
    after = deploys.get(name="s", namespace="default")
    assert after.status.replicas == 7
    assert after.spec.replicas == 1  # the status endpoint changed only status
    main = after.to_dict()
    main["status"] = {"replicas": 1}
    deploys.replace(body=main, namespace="default")
    assert deploys.get(name="s", namespace="default").status.replicas == 7


def test_finalizers_hold_deletion_until_removed(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    body = config_map("held")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    cms.create(body=body, namespace="default")
    cms.delete(name="held", namespace="default")
    pending = cms.get(name="held", namespace="default")
    assert pending.metadata.deletionTimestamp
    cms.patch(
        name="held",
        namespace="default",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    with pytest.raises(dyn.NotFoundError):
        cms.get(name="held", namespace="default")


def _owned(name: str, owner: Any) -> dict[str, Any]:
    body = config_map(name)
    body["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": owner.metadata.name,
            "uid": owner.metadata.uid,
            "blockOwnerDeletion": True,
        }
    ]
    return body


def test_background_cascade_deletes_dependents(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    owner = cms.create(body=config_map("owner"), namespace="default")
    cms.create(body=_owned("child", owner), namespace="default")
    cms.delete(name="owner", namespace="default")
    names = [i.metadata.name for i in cms.get(namespace="default").items]
    assert "owner" not in names and "child" not in names


def test_foreground_waits_for_a_dependent_with_a_finalizer(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    owner = cms.create(body=config_map("owner"), namespace="default")
    child = _owned("child", owner)
    child["metadata"]["finalizers"] = ["example.com/hold"]
    cms.create(body=child, namespace="default")
    cms.delete(name="owner", namespace="default", propagation_policy="Foreground")
    waiting = cms.get(name="owner", namespace="default")
    assert waiting.metadata.deletionTimestamp
    assert "foregroundDeletion" in waiting.metadata.finalizers
    assert cms.get(name="child", namespace="default").metadata.deletionTimestamp
    cms.patch(
        name="child",
        namespace="default",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    remaining = [i.metadata.name for i in cms.get(namespace="default").items]
    assert "owner" not in remaining and "child" not in remaining


def test_orphan_keeps_dependents_without_the_owner_reference(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    owner = cms.create(body=config_map("owner"), namespace="default")
    cms.create(body=_owned("child", owner), namespace="default")
    cms.delete(name="owner", namespace="default", propagation_policy="Orphan")
    child = cms.get(name="child", namespace="default")
    assert not child.metadata.ownerReferences


def test_label_and_field_selectors(sim_client: Any) -> None:
    cms = configmaps(sim_client)
    for name, tier in (("a", "web"), ("b", "db"), ("c", None)):
        body = config_map(name)
        if tier:
            body["metadata"]["labels"] = {"tier": tier}
        cms.create(body=body, namespace="default")

    def names(**kwargs: Any) -> list[str]:
        return sorted(i.metadata.name for i in cms.get(namespace="default", **kwargs).items)

    assert names(label_selector="tier=web") == ["a"]
    assert names(label_selector="tier==web") == ["a"]
    assert names(label_selector="tier!=web") == ["b", "c"]
    assert names(label_selector="tier in (web,db)") == ["a", "b"]
    assert names(label_selector="tier notin (web)") == ["b", "c"]
    assert names(label_selector="tier") == ["a", "b"]
    assert names(label_selector="!tier") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]
    assert names(field_selector="metadata.name!=b") == ["a", "c"]


def test_list_across_namespaces_and_deletecollection(sim: SimCluster, sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    core.create_namespace({"metadata": {"name": "other"}})
    cms = configmaps(sim_client)
    cms.create(body=config_map("x", labels="1"), namespace="default")
    cms.create(body=config_map("y", "other"), namespace="other")
    everywhere = {(i.metadata.namespace, i.metadata.name) for i in cms.get().items}
    assert {("default", "x"), ("other", "y")} <= everywhere
    core.delete_collection_namespaced_config_map("other")
    assert core.list_namespaced_config_map("other").items == []
    assert core.read_namespaced_config_map("x", "default").metadata.name == "x"


def test_dry_run_saves_nothing(sim: SimCluster, sim_client: Any) -> None:
    cms = configmaps(sim_client)
    cms.create(body=config_map("kept", v="1"), namespace="default")
    version = cms.get(name="kept", namespace="default").metadata.resourceVersion
    rv_before = sim.store.rv
    created = cms.create(body=config_map("ghost"), namespace="default", dry_run="All")
    assert created.metadata.name == "ghost"
    patched = cms.patch(
        name="kept",
        namespace="default",
        body={"data": {"v": "2"}},
        content_type="application/merge-patch+json",
        dry_run="All",
    )
    assert patched.data.v == "2"
    applied = cms.server_side_apply(
        body=config_map("kept", v="3"),
        namespace="default",
        field_manager="t",
        force_conflicts=True,
        dry_run="All",
    )
    assert applied.data.v == "3"
    cms.delete(name="kept", namespace="default", dry_run="All")
    kept = cms.get(name="kept", namespace="default")
    assert kept.data.v == "1" and kept.metadata.resourceVersion == version
    assert sim.get_object("v1", "ConfigMap", "default", "ghost") is None
    assert sim.store.rv == rv_before
    assert all(r.dry_run for r in sim.requests if r.query.get("dryRun"))
    assert [r.verb for r in sim.writes()] == ["create"]


def test_namespace_delete_removes_its_contents(sim_client: Any) -> None:
    core = CoreV1Api(sim_client.client)
    core.create_namespace({"metadata": {"name": "gone"}})
    core.create_namespaced_config_map("gone", config_map("c", "gone"))
    core.delete_namespace("gone")
    with pytest.raises(Exception) as caught:
        core.read_namespace("gone")
    assert getattr(caught.value, "status", None) == 404
