"""The OpenAPI v3 the emulator publishes, and writes checked against it as a real server
checks them: field errors fail with 422, undeclared fields follow `fieldValidation`."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests

from gitsync.sim import SimCluster

from .objects import crd, deployment

APPLY = "application/apply-patch+yaml"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def _document(sim: SimCluster, path: str) -> dict[str, Any]:
    root = requests.get(f"{sim.url}/openapi/v3", timeout=10).json()["paths"]
    answer = requests.get(sim.url + root[path]["serverRelativeURL"], timeout=10)
    assert answer.status_code == 200
    return dict(answer.json())


def _apply(sim: SimCluster, path: str, obj: dict[str, Any], **query: str) -> requests.Response:
    params = {"fieldManager": "test", "force": "true", **query}
    return requests.patch(
        f"{sim.url}{path}/{obj['metadata']['name']}",
        params=params,
        data=json.dumps(obj),
        headers={"Content-Type": APPLY},
        timeout=10,
    )


def _create(sim: SimCluster, path: str, obj: dict[str, Any], **query: str) -> requests.Response:
    return requests.post(f"{sim.url}{path}", params=query, json=obj, timeout=10)


def _service(**port: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, **port}]},
    }


# -- what is published ----------------------------------------------------------------------
def test_builtin_kinds_are_published_with_types_required_fields_and_refs(sim: SimCluster) -> None:
    schemas = _document(sim, "apis/apps/v1")["components"]["schemas"]
    deploy = schemas["io.k8s.api.apps.v1.Deployment"]
    assert deploy["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "version": "v1", "kind": "Deployment"}
    ]
    assert deploy["properties"]["metadata"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    ]
    spec = schemas[deploy["properties"]["spec"]["$ref"].rsplit("/", 1)[1]]
    assert {"selector", "template"} <= set(spec["required"])
    assert spec["properties"]["replicas"]["type"] == "integer"
    strategy = schemas["io.k8s.api.v1.RollingUpdateDeployment"]["properties"]["maxSurge"]
    assert strategy == {
        "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"
    }
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["oneOf"] == [
        {"type": "integer"},
        {"type": "string"},
    ]
    limits = schemas["io.k8s.api.v1.ResourceRequirements"]["properties"]["limits"]
    assert limits["additionalProperties"]["$ref"].endswith("api.resource.Quantity")
    assert "io.k8s.api.core.v1.ConfigMap" not in schemas  # a document holds its own kinds only


def test_a_crd_publishes_its_own_schema_and_the_hash_follows_it(sim: SimCluster) -> None:
    widget = crd("example.com", "Widget", "widgets")
    declared = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    }
    widget["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = declared
    sim.create(widget)
    first = requests.get(f"{sim.url}/openapi/v3", timeout=10).json()["paths"]
    component = _document(sim, "apis/example.com/v1")["components"]["schemas"][
        "com.example.v1.Widget"
    ]
    assert component["properties"]["spec"] == declared["properties"]["spec"]
    assert set(component["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    changed = copy.deepcopy(widget)
    size = changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    size["properties"]["size"] = {"type": "string"}
    sim.apply(changed)
    second = requests.get(f"{sim.url}/openapi/v3", timeout=10).json()["paths"]
    assert first["apis/example.com/v1"] != second["apis/example.com/v1"]
    assert first["apis/apps/v1"] == second["apis/apps/v1"]
    sim.delete_object(
        "apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "widgets.example.com"
    )
    third = requests.get(f"{sim.url}/openapi/v3", timeout=10).json()["paths"]
    assert "apis/example.com/v1" not in third
    gone = requests.get(sim.url + second["apis/example.com/v1"]["serverRelativeURL"], timeout=10)
    assert gone.status_code == 404


# -- field errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["apply", "create", "dry-run apply"])
def test_a_type_error_is_invalid_however_written(sim: SimCluster, how: str) -> None:
    obj = deployment("web")
    obj["spec"]["replicas"] = "three"
    if how == "create":
        answer = _create(sim, DEPLOYMENTS, obj)
    else:
        answer = _apply(sim, DEPLOYMENTS, obj, **({"dryRun": "All"} if "dry" in how else {}))
    assert answer.status_code == 422, answer.text
    status = answer.json()
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: "string": '
        'spec.replicas in body must be of type integer: "string"'
    )
    assert status["details"]["causes"][0]["field"] == "spec.replicas"
    assert sim.get_object("apps/v1", "Deployment", "default", "web") is None


def test_required_fields_are_checked_on_the_whole_object(sim: SimCluster) -> None:
    obj = deployment("web")
    del obj["spec"]["template"]["spec"]["containers"][0]["name"]
    answer = _apply(sim, DEPLOYMENTS, obj)
    assert answer.status_code == 422
    assert "spec.template.spec.containers[0].name: Required value" in answer.json()["message"]
    service = _service()
    del service["spec"]["ports"][0]["port"]
    answer = _create(sim, "/api/v1/namespaces/default/services", service)
    assert answer.status_code == 422
    assert answer.json()["message"].endswith("spec.ports[0].port: Required value")


def test_a_partial_apply_to_an_existing_object_needs_no_required_fields(sim: SimCluster) -> None:
    assert _apply(sim, DEPLOYMENTS, deployment("web")).status_code == 201
    partial = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 3},
    }
    answer = _apply(sim, DEPLOYMENTS, partial, fieldManager="scaler")
    assert answer.status_code == 200, answer.text
    assert answer.json()["spec"]["replicas"] == 3


@pytest.mark.parametrize(
    ("port", "ok"),
    [({"targetPort": 8080}, True), ({"targetPort": "http"}, True), ({"targetPort": True}, False)],
)
def test_int_or_string(sim: SimCluster, port: dict[str, Any], ok: bool) -> None:
    answer = _apply(sim, "/api/v1/namespaces/default/services", _service(**port))
    assert (answer.status_code == 201) is ok, answer.text
    if not ok:
        assert 'must be of type integer,string: "boolean"' in answer.json()["message"]


@pytest.mark.parametrize(("cpu", "ok"), [(1, True), ("500m", True), (0.5, True), ([1], False)])
def test_quantities_take_numbers_and_strings(sim: SimCluster, cpu: Any, ok: bool) -> None:
    obj = deployment("web")
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": cpu}}
    answer = _apply(sim, DEPLOYMENTS, obj)
    assert (answer.status_code == 201) is ok, answer.text
    if not ok:
        field = "spec.template.spec.containers[0].resources.limits[cpu]"
        assert answer.json()["details"]["causes"][0]["field"] == field


def test_null_counts_as_absent(sim: SimCluster) -> None:
    obj = deployment("web")
    obj["metadata"]["creationTimestamp"] = None
    obj["spec"]["replicas"] = None
    obj["spec"]["template"]["spec"]["containers"][0]["resources"] = None
    assert _apply(sim, DEPLOYMENTS, obj).status_code == 201


def test_secret_data_must_be_base64(sim: SimCluster) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"password": "not base64!"},
    }
    answer = _apply(sim, "/api/v1/namespaces/default/secrets", secret)
    assert answer.status_code == 422
    assert "data[password]: Invalid value" in answer.json()["message"]
    assert "not base64" not in answer.text


# -- undeclared fields ---------------------------------------------------------------------------
def _with_unknown() -> dict[str, Any]:
    obj = deployment("web")
    obj["spec"]["colour"] = "blue"
    return obj


def test_apply_is_strict_about_undeclared_fields_by_default(sim: SimCluster) -> None:
    answer = _apply(sim, DEPLOYMENTS, _with_unknown())
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "failed to create typed patch object (apps/v1, Kind=Deployment): "
        ".spec.colour: field not declared in schema"
    )


def test_create_warns_by_default_and_drops_the_field(sim: SimCluster) -> None:
    answer = _create(sim, DEPLOYMENTS, _with_unknown())
    assert answer.status_code == 201
    assert answer.headers["Warning"] == '299 - "unknown field \\"spec.colour\\""'
    live = sim.get_object("apps/v1", "Deployment", "default", "web")
    assert live is not None and "colour" not in live["spec"]


@pytest.mark.parametrize("how", ["create", "apply"])
def test_field_validation_directives(sim: SimCluster, how: str) -> None:
    def write(directive: str) -> requests.Response:
        if how == "create":
            return _create(sim, DEPLOYMENTS, _with_unknown(), fieldValidation=directive)
        return _apply(sim, DEPLOYMENTS, _with_unknown(), fieldValidation=directive)

    strict = write("Strict")
    assert strict.status_code == 400
    if how == "create":
        assert strict.json()["message"] == (
            'Deployment in version "v1" cannot be handled as a Deployment: '
            'strict decoding error: unknown field "spec.colour"'
        )
    warned = write("Warn")
    assert warned.status_code in (200, 201) and "spec.colour" in warned.headers["Warning"]
    sim.delete_object("apps/v1", "Deployment", "default", "web")
    ignored = write("Ignore")
    assert ignored.status_code in (200, 201) and "Warning" not in ignored.headers
    assert "colour" not in ignored.json()["spec"]
    assert write("Loose").status_code == 400


def test_a_merge_patch_is_checked_on_its_result(sim: SimCluster) -> None:
    assert _apply(sim, DEPLOYMENTS, deployment("web")).status_code == 201
    answer = requests.patch(
        f"{sim.url}{DEPLOYMENTS}/web",
        params={"fieldValidation": "Strict"},
        json={"spec": {"paused": "yes", "colour": "blue"}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert answer.status_code == 422
    assert "spec.paused" in answer.json()["message"]


def test_warning_headers_carry_no_control_characters(sim: SimCluster) -> None:
    obj = deployment("web")
    obj["spec"]["bad\r\nX-Injected: 1"] = 1
    answer = _create(sim, DEPLOYMENTS, obj)
    assert answer.status_code == 201
    assert "X-Injected" not in answer.headers
    assert "bad??X-Injected: 1" in answer.headers["Warning"]


# -- CRDs ----------------------------------------------------------------------------------------
GADGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "port": {"x-kubernetes-int-or-string": True},
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
                "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
            },
        }
    },
}
GADGETS = "/apis/example.com/v1/namespaces/default/gadgets"


def _gadget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g", "namespace": "default"},
        "spec": {"size": 3, **spec},
    }


@pytest.fixture
def gadgets(sim: SimCluster) -> SimCluster:
    definition = crd("example.com", "Gadget", "gadgets")
    definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = GADGET_SCHEMA
    sim.create(definition)
    return sim


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({}, None),
        ({"port": 80, "extra": {"any": {"thing": [1]}}}, None),
        ({"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}}, None),
        ({"size": None}, "spec.size: Required value"),
        (
            {"size": 11},
            "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10",
        ),
        ({"size": "3"}, 'spec.size: Invalid value: "string"'),
        ({"port": 1.5}, 'spec.port: Invalid value: "number"'),
        (
            {"mode": "medium"},
            'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"',
        ),
        ({"name": "Abc"}, "spec.name in body should match '^[a-z]+$'"),
        ({"name": "abcdefghij"}, "spec.name: Too long: may not be more than 8 bytes"),
        ({"limits": {"cpu": "x"}}, 'spec.limits[cpu]: Invalid value: "string"'),
        ({"tags": ["a", "b", "c"]}, "spec.tags: Too many: 3: must have at most 2 items"),
        ({"tags": ["a", 1]}, 'spec.tags[1]: Invalid value: "integer"'),
        ({"template": {"metadata": {}}}, "spec.template.apiVersion: Required value"),
    ],
)
def test_crd_schemas(gadgets: SimCluster, spec: dict[str, Any], error: str | None) -> None:
    answer = _apply(gadgets, GADGETS, _gadget(**spec))
    if error is None:
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 422, answer.text
        assert error in answer.json()["message"]


def test_crd_undeclared_fields(gadgets: SimCluster) -> None:
    answer = _apply(gadgets, GADGETS, _gadget(colour="blue"))
    assert answer.status_code == 400
    assert ".spec.colour: field not declared in schema" in answer.json()["message"]
    created = _create(gadgets, GADGETS, _gadget(colour="blue"))
    assert created.status_code == 201 and "spec.colour" in created.headers["Warning"]
    assert "colour" not in created.json()["spec"]
