"""charts/gitsync/values.schema.json: values.yaml satisfies it, bad values fail it, and
each value added with it (extraEnv, extra volumes, startupProbe, PDB, NetworkPolicy,
namespaced mode's watch namespaces) renders as intended."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from gitsync.errors import RenderError
from tests.chart.chartrender import CHART, REPO, ROOT, by_kind, needs_helm, one, render_chart
from tests.chart.test_render import container, validate_all

SCHEMA = json.loads((ROOT / CHART / "values.schema.json").read_text())
VALUES = yaml.safe_load((ROOT / CHART / "values.yaml").read_text())


def test_values_yaml_satisfies_the_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(VALUES, SCHEMA)
    # a new value is described in the schema too
    assert set(VALUES) <= set(SCHEMA["properties"]), set(VALUES) - set(SCHEMA["properties"])


@pytest.mark.parametrize(
    "bad",
    [
        {"replicaCount": "two"},
        {"rbac": {"mode": "everywhere"}},
        {"rbac": {"namespaces": ["Not_A_Namespace"]}},
        {"extraEnv": [{"value": "no name"}]},
        {"extraVolumeMounts": [{"name": "x"}]},
        {"startupProbe": {"failureThreshold": 0}},
        {"config": {"logFormat": "xml"}},
        {"networkPolicy": {"enabled": "yes"}},
    ],
)
def test_schema_refuses_bad_values(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**VALUES, **bad}, SCHEMA)


@needs_helm
def test_render_refuses_values_against_the_schema() -> None:
    with pytest.raises(RenderError):
        render_chart({"config": {"repo": REPO}, "replicaCount": "two"})


@needs_helm
def test_extra_env_volumes_and_mounts() -> None:
    objects = render_chart(
        {
            "config": {"repo": REPO},
            "extraEnv": [{"name": "SSL_CERT_FILE", "value": "/etc/ca/bundle.pem"}],
            "extraVolumes": [{"name": "ca", "configMap": {"name": "corporate-ca"}}],
            "extraVolumeMounts": [{"name": "ca", "mountPath": "/etc/ca", "readOnly": True}],
        }
    )
    validate_all(objects)
    main = container(objects)
    assert {"name": "SSL_CERT_FILE", "value": "/etc/ca/bundle.pem"} in main["env"]
    assert {"name": "ca", "mountPath": "/etc/ca", "readOnly": True} in main["volumeMounts"]
    volumes = one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "ca", "configMap": {"name": "corporate-ca"}} in volumes


@needs_helm
def test_startup_probe_on_by_default_and_off_on_request() -> None:
    probe = container(render_chart({"config": {"repo": REPO}}))["startupProbe"]
    assert probe == {
        "httpGet": {"path": "/healthz", "port": "http"},
        "periodSeconds": 5,
        "failureThreshold": 60,
    }
    off = render_chart({"config": {"repo": REPO}, "startupProbe": {"enabled": False}})
    assert "startupProbe" not in container(off)


@needs_helm
def test_pod_disruption_budget() -> None:
    assert by_kind(render_chart({"config": {"repo": REPO}}), "PodDisruptionBudget") == []
    objects = render_chart({"config": {"repo": REPO}, "podDisruptionBudget": {"enabled": True}})
    validate_all(objects)
    pdb = one(objects, "PodDisruptionBudget")
    selector = one(objects, "Deployment")["spec"]["selector"]
    assert pdb["spec"] == {"minAvailable": 1, "selector": selector}
    by_max = render_chart(
        {
            "config": {"repo": REPO},
            "podDisruptionBudget": {"enabled": True, "maxUnavailable": "50%"},
        }
    )
    assert one(by_max, "PodDisruptionBudget")["spec"]["maxUnavailable"] == "50%"


@needs_helm
def test_network_policy() -> None:
    assert by_kind(render_chart({"config": {"repo": REPO}}), "NetworkPolicy") == []
    peer = {"namespaceSelector": {"matchLabels": {"name": "ingress"}}}
    objects = render_chart(
        {"config": {"repo": REPO}, "networkPolicy": {"enabled": True, "ingressFrom": [peer]}}
    )
    validate_all(objects)
    policy = one(objects, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    assert policy["ingress"] == [{"ports": [{"port": 8080, "protocol": "TCP"}], "from": [peer]}]
    labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()


@needs_helm
def test_namespaced_mode_sets_the_watch_namespaces() -> None:
    objects = render_chart(
        {"config": {"repo": REPO}, "rbac": {"mode": "namespaced", "namespaces": ["a", "b"]}}
    )
    assert one(objects, "ConfigMap")["data"]["GITSYNC_WATCH_NAMESPACES"] == "a,b"
    assert by_kind(objects, "ClusterRole") == []
    wide = render_chart({"config": {"repo": REPO}})
    assert "GITSYNC_WATCH_NAMESPACES" not in one(wide, "ConfigMap")["data"]
