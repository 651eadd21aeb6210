"""Table answers over real HTTP: negotiation by Accept, includeObject, paging, the
request log; the kubectl end-to-end check is in test_kubectl_get.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.sim import SimCluster

from .objects import config_map, deployment

TABLE_V1 = "application/json;as=Table;v=v1;g=meta.k8s.io"
KUBECTL_ACCEPT = f"{TABLE_V1},application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimCluster]:
    with SimCluster(controllers=False) as cluster:
        cluster.create(config_map("one", a="1"))
        cluster.create(config_map("two", a="1", b="2"))
        cluster.create(config_map("three"))
        cluster.create(deployment("web", replicas=2))
        cluster.install_argo_rollouts_crds()
        yield cluster


def fetch(sim: SimCluster, path: str, accept: str | None) -> tuple[int, str, Any]:
    headers = {"Accept": accept} if accept else {}
    request = urllib.request.Request(sim.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.load(error)


def test_list_as_table_with_kubectl_accept(sim: SimCluster) -> None:
    code, content_type, table = fetch(sim, "/api/v1/namespaces/default/configmaps", KUBECTL_ACCEPT)
    assert code == 200 and content_type == TABLE_V1
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"]["resourceVersion"] == str(sim.store.rv)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert [row["cells"][:2] for row in table["rows"]] == [["one", 1], ["three", 0], ["two", 2]]
    partial = table["rows"][0]["object"]
    assert partial["kind"] == "PartialObjectMetadata"
    assert partial["metadata"]["name"] == "one" and "data" not in partial


def test_plain_json_when_asked_first_or_when_no_table_is_acceptable(sim: SimCluster) -> None:
    for accept in (None, "application/json", f"application/json,{TABLE_V1}", "application/yaml"):
        code, content_type, body = fetch(sim, "/api/v1/namespaces/default/configmaps", accept)
        assert code == 200 and content_type == "application/json"
        assert body["kind"] == "ConfigMapList" and len(body["items"]) == 3


def test_single_get_as_table_v1beta1_and_include_object(sim: SimCluster) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    accept = "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
    code, content_type, table = fetch(sim, path, accept)
    assert code == 200 and content_type == "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
    assert table["apiVersion"] == "meta.k8s.io/v1beta1"
    stored = sim.get_object("apps/v1", "Deployment", "default", "web")
    assert stored is not None
    assert table["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    assert table["rows"][0]["cells"][:4] == ["web", "0/2", 0, 0]
    _, _, full = fetch(sim, path + "?includeObject=Object", TABLE_V1)
    assert full["rows"][0]["object"]["spec"]["replicas"] == 2
    _, _, bare = fetch(sim, path + "?includeObject=None", TABLE_V1)
    assert "object" not in bare["rows"][0]
    code, _, status = fetch(sim, path + "?includeObject=All", TABLE_V1)
    assert code == 400 and status["kind"] == "Status"


def test_paged_table_carries_continue(sim: SimCluster) -> None:
    path = "/api/v1/namespaces/default/configmaps?limit=2"
    _, _, first = fetch(sim, path, TABLE_V1)
    assert [r["cells"][0] for r in first["rows"]] == ["one", "three"]
    assert first["metadata"]["remainingItemCount"] == 1
    token = first["metadata"]["continue"]
    _, _, second = fetch(sim, f"{path}&continue={token}", TABLE_V1)
    assert [r["cells"][0] for r in second["rows"]] == ["two"]
    assert "continue" not in second["metadata"]


def test_custom_resource_table_uses_crd_columns(sim: SimCluster) -> None:
    sim.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "shop", "namespace": "default"},
            "spec": {"replicas": 4},
        }
    )
    sim.set_status("argoproj.io/v1alpha1", "Rollout", "default", "shop", {"replicas": 4})
    _, _, table = fetch(sim, "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts", TABLE_V1)
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Desired",
        "Current",
        "Up-to-date",
        "Available",
        "Age",
    ]
    assert table["rows"][0]["cells"][:5] == ["shop", 4, 4, None, None]


def test_table_requests_are_logged_as_get_and_list(sim: SimCluster) -> None:
    sim.reset_requests()
    fetch(sim, "/api/v1/namespaces/default/configmaps", TABLE_V1)
    fetch(sim, "/api/v1/namespaces/default/configmaps/one", TABLE_V1)
    fetch(sim, "/api/v1/namespaces/default/configmaps/missing", TABLE_V1)
    logged = [(r.verb, r.name, r.status) for r in sim.requests]
    assert logged == [("list", None, 200), ("get", "one", 200), ("get", "missing", 404)]
