"""Cluster against the embedded API server: real kubernetes client, real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.errors import ConflictError, NotFoundError, UnknownKindError
from gitsync.kube import Cluster
from tests.kube.conftest import config_map, namespace

LABEL = "gitsync.io/app"


def test_apply_creates_then_updates(cluster: Cluster) -> None:
    created = cluster.apply(config_map("settings", color="blue"))
    assert created["metadata"]["uid"]
    assert created["data"] == {"color": "blue"}
    managers = [m["manager"] for m in created["metadata"].get("managedFields", [])]
    assert managers == ["gitsync"]

    updated = cluster.apply(config_map("settings", color="green"))
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    live = cluster.get("v1", "ConfigMap", "default", "settings")
    assert live is not None and live["data"] == {"color": "green"}


def test_apply_fills_in_the_namespace_and_leaves_the_input_alone(cluster: Cluster) -> None:
    obj = config_map("plain", namespace=None, a="1")
    applied = cluster.apply(obj)
    assert applied["metadata"]["namespace"] == "default"
    assert "namespace" not in obj["metadata"]
    namespace(cluster, "team-a")
    elsewhere = cluster.apply(config_map("plain", namespace=None), default_namespace="team-a")
    assert elsewhere["metadata"]["namespace"] == "team-a"


def test_dry_run_apply_stores_nothing(cluster: Cluster, sim: Any) -> None:
    result = cluster.apply(config_map("ghost", x="1"), dry_run=True)
    assert result["data"] == {"x": "1"}
    assert cluster.get("v1", "ConfigMap", "default", "ghost") is None

    cluster.apply(config_map("real", x="1"))
    cluster.apply(config_map("real", x="2"), dry_run=True)
    live = cluster.get("v1", "ConfigMap", "default", "real")
    assert live is not None and live["data"] == {"x": "1"}


def test_create_with_generate_name_and_replace(cluster: Cluster) -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"generateName": "hook-", "namespace": "default"},
        "data": {"a": "1"},
    }
    first = cluster.create(obj)
    second = cluster.create(obj)
    assert first["metadata"]["name"].startswith("hook-")
    assert first["metadata"]["name"] != second["metadata"]["name"]

    replaced = cluster.replace(config_map(first["metadata"]["name"], b="2"))
    assert replaced["data"] == {"b": "2"}
    # absent: replace creates
    fresh = cluster.replace(config_map("made-by-replace", c="3"))
    assert fresh["metadata"]["uid"]
    # a stale resourceVersion is a conflict
    stale = config_map(first["metadata"]["name"], d="4")
    stale["metadata"]["resourceVersion"] = first["metadata"]["resourceVersion"]
    with pytest.raises(ConflictError):
        cluster.replace(stale)


def test_patch_merge_and_json(cluster: Cluster) -> None:
    cluster.apply(config_map("p", a="1"))
    merged = cluster.patch("v1", "ConfigMap", "default", "p", {"data": {"b": "2"}})
    assert merged["data"] == {"a": "1", "b": "2"}
    patched = cluster.patch(
        "v1",
        "ConfigMap",
        "default",
        "p",
        [{"op": "remove", "path": "/data/a"}],
        patch_type="json",
    )
    assert patched["data"] == {"b": "2"}


def test_cluster_scoped_kinds_lose_a_stray_namespace(cluster: Cluster) -> None:
    ns = cluster.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "namespace": "x"}}
    )
    assert "namespace" not in ns["metadata"]
    assert cluster.get("v1", "Namespace", "", "shop") is not None
    info = cluster.resource_for("v1", "Namespace")
    assert (info.plural, info.namespaced, info.api_version) == ("namespaces", False, "v1")


def test_delete_returns_false_when_already_gone(cluster: Cluster) -> None:
    cluster.apply(config_map("doomed"))
    assert cluster.delete("v1", "ConfigMap", "default", "doomed", propagation="Background")
    assert cluster.get("v1", "ConfigMap", "default", "doomed") is None
    assert not cluster.delete("v1", "ConfigMap", "default", "doomed")


def test_list_by_label_selector_across_kinds(cluster: Cluster) -> None:
    labelled = {"labels": {LABEL: "shop"}}
    namespace(cluster, "other")
    cluster.apply(
        {**config_map("a"), "metadata": {"name": "a", "namespace": "default", **labelled}}
    )
    cluster.apply({**config_map("b"), "metadata": {"name": "b", "namespace": "default"}})
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "default", **labelled},
            "stringData": {"k": "v"},
        }
    )
    cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "other", **labelled},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        }
    )
    kinds = [
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("apps/v1", "Deployment"),
        ("example.com/v1", "NotInstalled"),
    ]
    found = cluster.list_kinds(kinds, label_selector=f"{LABEL}=shop")
    names = sorted(
        f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}" for o in found
    )
    assert names == ["ConfigMap/default/a", "Deployment/other/web", "Secret/default/s"]
    only_default = cluster.list("v1", "ConfigMap", namespace="default")
    assert {o["metadata"]["name"] for o in only_default} >= {"a", "b"}
    assert all(o["apiVersion"] == "v1" and o["kind"] == "ConfigMap" for o in only_default)


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


def test_a_kind_is_discovered_once_its_crd_exists(cluster: Cluster) -> None:
    with pytest.raises(UnknownKindError, match="Widget"):
        cluster.resource_for("example.com/v1", "Widget")
    cluster.apply(CRD)
    # no invalidate_discovery(): a miss looks again
    info = cluster.resource_for("example.com/v1", "Widget")
    assert (info.group, info.version, info.plural, info.namespaced) == (
        "example.com",
        "v1",
        "widgets",
        True,
    )
    widget = cluster.apply(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1"},
            "spec": {"size": 3},
        }
    )
    assert widget["spec"] == {"size": 3}
    assert widget["metadata"]["namespace"] == "default"


def test_discovery_is_cached(cluster: Cluster) -> None:
    cluster.resource_for("apps/v1", "Deployment")
    before = cluster.stats.total
    for _ in range(50):
        cluster.resource_for("apps/v1", "Deployment")
        cluster.resource_for("apps/v1", "StatefulSet")
    assert cluster.stats.total == before
    cluster.invalidate_discovery()
    cluster.resource_for("apps/v1", "Deployment")
    assert cluster.stats.total == before + 1


def test_get_missing_is_none_but_patch_missing_is_not_found(cluster: Cluster) -> None:
    assert cluster.get("v1", "ConfigMap", "default", "nothing") is None
    with pytest.raises(NotFoundError) as caught:
        cluster.patch("v1", "ConfigMap", "default", "nothing", {"data": {"a": "b"}})
    assert str(caught.value).startswith("ConfigMap/default/nothing: ")
    assert caught.value.status == 404


def owned_pair(cluster: Cluster, parent: str) -> str:
    owner = cluster.apply(config_map(parent))
    child = config_map(f"{parent}-child")
    child["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": parent,
            "uid": owner["metadata"]["uid"],
        }
    ]
    cluster.apply(child)
    return f"{parent}-child"


@pytest.mark.parametrize("propagation", ["Foreground", "Background"])
def test_delete_cascades_to_dependents(cluster: Cluster, propagation: str) -> None:
    child = owned_pair(cluster, "parent")
    assert cluster.delete("v1", "ConfigMap", "default", "parent", propagation=propagation)
    assert cluster.get("v1", "ConfigMap", "default", "parent") is None
    assert cluster.get("v1", "ConfigMap", "default", child) is None


def test_delete_orphan_keeps_dependents(cluster: Cluster) -> None:
    child = owned_pair(cluster, "parent")
    assert cluster.delete("v1", "ConfigMap", "default", "parent", propagation="Orphan")
    kept = cluster.get("v1", "ConfigMap", "default", child)
    assert kept is not None
    assert not kept["metadata"].get("ownerReferences")


def test_dry_run_delete_keeps_the_object(cluster: Cluster) -> None:
    cluster.apply(config_map("stays"))
    assert cluster.delete("v1", "ConfigMap", "default", "stays", dry_run=True)
    assert cluster.get("v1", "ConfigMap", "default", "stays") is not None


def test_unknown_propagation_policy_is_refused(cluster: Cluster) -> None:
    from gitsync.errors import UserInputError

    with pytest.raises(UserInputError, match="unknown propagation policy 'Sideways'"):
        cluster.delete("v1", "ConfigMap", "default", "x", propagation="Sideways")


def test_request_stats_and_observer(cluster: Cluster) -> None:
    seen: list[tuple[str, int]] = []
    cluster.stats.add_observer(lambda verb, code, _seconds: seen.append((verb, code)))
    cluster.apply(config_map("counted"))
    cluster.get("v1", "ConfigMap", "default", "counted")
    cluster.get("v1", "ConfigMap", "default", "absent")
    assert ("APPLY", 201) in seen  # a create through server-side apply
    assert ("GET", 404) in seen
    assert cluster.stats.by_code()[("GET", 404)] == 1
