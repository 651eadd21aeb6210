"""Discovery documents, CRD registration, and the OpenAPI v3 kubectl reads."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from kubernetes.dynamic import exceptions as dyn

from gitsync.sim import SimCluster

from .objects import crd


def test_discovery_documents(sim: SimCluster) -> None:
    session = requests.Session()
    assert session.get(f"{sim.url}/version").json()["major"] == "1"
    assert session.get(f"{sim.url}/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in session.get(f"{sim.url}/apis").json()["groups"]}
    expected = {
        "apps",
        "batch",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "coordination.k8s.io",
        "apiextensions.k8s.io",
        "autoscaling",
        "policy",
        "storage.k8s.io",
        "apiregistration.k8s.io",
    }
    assert expected <= groups
    core = {r["name"]: r for r in session.get(f"{sim.url}/api/v1").json()["resources"]}
    assert core["namespaces"]["shortNames"] == ["ns"] and not core["namespaces"]["namespaced"]
    assert core["configmaps"]["singularName"] == "configmap"
    assert "pods/status" in core
    apps = session.get(f"{sim.url}/apis/apps/v1").json()["resources"]
    deploy = next(r for r in apps if r["name"] == "deployments")
    assert "deploy" in deploy["shortNames"] and "patch" in deploy["verbs"]
    assert session.get(f"{sim.url}/apis/example.com/v1").status_code == 404


def test_openapi_v3_declares_field_validation(sim: SimCluster) -> None:
    session = requests.Session()
    root = session.get(f"{sim.url}/openapi/v3").json()["paths"]
    document = session.get(sim.url + root["apis/apps/v1"]["serverRelativeURL"]).json()
    path = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert "fieldValidation" in {p["name"] for p in path["patch"]["parameters"]}


def test_a_crd_makes_its_kind_servable_until_deleted(sim_client: Any) -> None:
    path = "/apis/example.com/v1/namespaces/default/widgets"
    with pytest.raises(dyn.NotFoundError):
        sim_client.request("GET", path)
    crds = sim_client.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    created = crds.create(body=crd("example.com", "Widget", "widgets", ["wd"]))
    assert {c.type for c in created.status.conditions} >= {"Established"}
    sim_client.resources.invalidate_cache()
    widgets = sim_client.resources.get(api_version="example.com/v1", kind="Widget")
    assert widgets.namespaced and widgets.short_names == ["wd"]
    widgets.create(
        body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        namespace="default",
    )
    assert [i.metadata.name for i in sim_client.request("GET", path).items] == ["w"]
    crds.delete(name="widgets.example.com")
    with pytest.raises(dyn.NotFoundError):
        sim_client.request("GET", path)


def test_argo_rollouts_crds(sim: SimCluster, sim_client: Any) -> None:
    sim.install_argo_rollouts_crds()
    rollouts = sim_client.resources.get(api_version="argoproj.io/v1alpha1", kind="Rollout")
    assert "ro" in rollouts.short_names
    for kind in ("AnalysisRun", "AnalysisTemplate", "Experiment"):
        assert sim_client.resources.get(api_version="argoproj.io/v1alpha1", kind=kind)
    created = rollouts.create(
        body={
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "r"},
            "spec": {"strategy": {"blueGreen": {"activeService": "a"}}},
        },
        namespace="default",
    )
    assert created.spec.strategy.blueGreen.activeService == "a"
