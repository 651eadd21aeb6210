"""The chart's `replicaCount` and `shards` values: settings in the ConfigMap, each pod's
identity from its name, a PDB once there are several replicas, Lease rights."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from tests.chart.chartrender import CHART, REPO, ROOT, by_kind, needs_helm, one, render_chart
from tests.chart.test_render import container, validate_all

SCHEMA = json.loads((ROOT / CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((ROOT / CHART / "values.yaml").read_text())


@needs_helm
def test_one_replica_one_shard_by_default() -> None:
    objects = render_chart({"config": {"repo": REPO}})
    data = one(objects, "ConfigMap")["data"]
    assert (data["GITSYNC_SHARDS"], data["GITSYNC_SHARD_BY"]) == ("1", "app")
    assert data["GITSYNC_LEASE_DURATION"] == "15s"
    env = {e["name"]: e for e in container(objects)["env"]}
    assert env["GITSYNC_IDENTITY"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert by_kind(objects, "PodDisruptionBudget") == []


@needs_helm
def test_replicas_and_shards() -> None:
    values = {
        "config": {"repo": REPO, "shardBy": "cluster", "leaseDuration": "10s"},
        "replicaCount": 3,
        "shards": 6,
    }
    objects = render_chart(values)
    validate_all(objects)
    assert one(objects, "Deployment")["spec"]["replicas"] == 3
    data = one(objects, "ConfigMap")["data"]
    assert (data["GITSYNC_SHARDS"], data["GITSYNC_SHARD_BY"]) == ("6", "cluster")
    assert data["GITSYNC_LEASE_DURATION"] == "10s"
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == one(objects, "Deployment")["spec"]["selector"]
    leases = next(r for r in one(objects, "Role")["rules"] if "leases" in r["resources"])
    assert {"list", "create", "update", "delete"} <= set(leases["verbs"])
    off = render_chart({**values, "podDisruptionBudget": {"enabled": False}})
    assert by_kind(off, "PodDisruptionBudget") == []


@pytest.mark.parametrize(
    "bad",
    [
        {"shards": 0},
        {"shards": "six"},
        {"config": {"repo": REPO, "shardBy": "namespace"}},
        {"podDisruptionBudget": {"enabled": "auto"}},
    ],
)
def test_schema_refuses_bad_shard_values(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**VALUES, **bad}, SCHEMA)


@needs_helm
def test_an_alert_when_a_shard_stays_unheld() -> None:
    values: dict[str, Any] = {
        "config": {"repo": REPO},
        "metrics": {"prometheusRule": {"enabled": True}},
    }
    rules = one(render_chart(values), "PrometheusRule")["spec"]["groups"]
    assert "GitsyncShardsUnheld" not in {r.get("alert") for g in rules for r in g["rules"]}
    rules = one(render_chart({**values, "shards": 8}), "PrometheusRule")["spec"]["groups"]
    (unheld,) = [r for g in rules for r in g["rules"] if r.get("alert") == "GitsyncShardsUnheld"]
    assert unheld["expr"] == "sum(gitsync_shards_held) < 8"
