"""Client-side schema checks against the schemas the embedded API server publishes, over
real HTTP: fetched once per group-version, refreshed when they change, and agreeing with
the server's own verdict word for word."""

from __future__ import annotations

import copy
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsync.errors import KubeError
from gitsync.kube import Cluster
from gitsync.kube.openapi import ClusterSchemas
from gitsync.kube.schemacheck import FieldError, describe_errors
from gitsync.sim import SimCluster
from gitsync.sim.kubeconfig import write_kubeconfig
from tests.sim.objects import crd, deployment


def _openapi_gets(sim: SimCluster) -> list[str]:
    return [r.path for r in sim.requests if r.path.startswith("/openapi/")]


def _schemas(cluster: Cluster) -> ClusterSchemas:
    return ClusterSchemas(cluster.transport, miss_interval=0.0)


def test_documents_are_fetched_once_per_group_version(cluster: Cluster, sim: SimCluster) -> None:
    sim.reset_requests()
    schemas = cluster.schemas
    deploy = schemas.for_kind("apps/v1", "Deployment")
    assert deploy is not None and deploy.validate(deployment("web")) == []
    assert _openapi_gets(sim) == ["/openapi/v3", "/openapi/v3/apis/apps/v1"]
    assert schemas.for_kind("apps/v1", "StatefulSet") is not None
    assert schemas.for_kind("v1", "ConfigMap") is not None
    assert schemas.for_kind("apps/v1", "Deployment") is deploy
    assert _openapi_gets(sim) == [
        "/openapi/v3",
        "/openapi/v3/apis/apps/v1",
        "/openapi/v3/api/v1",
    ]


BROKEN: list[tuple[str, Any]] = [
    ("spec.replicas", "three"),
    ("spec.paused", 1),
    ("spec.template.spec.containers", [{"image": "nginx"}]),
    ("spec.template.spec.containers", [{"name": "c", "ports": [{"containerPort": "80"}]}]),
    ("spec.strategy", {"rollingUpdate": {"maxSurge": True}}),
    ("spec.template.spec.containers", [{"name": "c", "resources": {"limits": {"cpu": [1]}}}]),
    ("metadata.labels", {"app": 3}),
    ("spec.selector", None),
    ("spec.template.spec.volumes", [{"name": "v", "emptyDir": {"sizeLimit": {}}}]),
]


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node = changed
    for name in parents:
        node = node.setdefault(name, {})
    node[last] = value
    return changed


@pytest.mark.parametrize(("path", "value"), BROKEN, ids=[f"{p}={v!r}" for p, v in BROKEN])
def test_the_check_words_errors_as_the_server_does(cluster: Cluster, path: str, value: Any) -> None:
    broken = _set(deployment("web"), path, value)
    schema = cluster.schemas.for_kind("apps/v1", "Deployment")
    assert schema is not None
    errors = schema.validate(broken)
    assert errors, "the client check passed an object the server rejects"
    with pytest.raises(KubeError) as raised:
        cluster.apply(broken, dry_run=True)
    detail = describe_errors("Deployment", "default", "web", errors).split(": ", 1)[1]
    assert str(raised.value).endswith(f'Deployment.apps "web" is invalid: {detail}')


def test_undeclared_fields_are_reported_apart(cluster: Cluster) -> None:
    broken = _set(deployment("web"), "spec.template.spec.containers", [{"name": "c", "colour": 1}])
    schema = cluster.schemas.for_kind("apps/v1", "Deployment")
    assert schema is not None
    errors = schema.validate(broken)
    assert errors == [FieldError("spec.template.spec.containers[0].colour", "", True)]
    assert describe_errors("Deployment", "default", "web", errors) == (
        "Deployment/default/web: .spec.template.spec.containers[0].colour: "
        "field not declared in schema"
    )
    assert schema.validate(broken, undeclared=False) == []
    with pytest.raises(KubeError, match="field not declared in schema"):
        cluster.apply(broken, dry_run=True)


def test_nulls_count_as_absent_and_cluster_scoped_names_print_short(cluster: Cluster) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": None}}
    schema = cluster.schemas.for_kind("v1", "Namespace")
    assert schema is not None and schema.validate(ns) == []
    ns["spec"] = {"finalizers": "kubernetes"}
    errors = schema.validate(ns)
    assert describe_errors("Namespace", "", "a", errors) == (
        'Namespace/a: spec.finalizers: Invalid value: "string": '
        'spec.finalizers in body must be of type array: "string"'
    )


def test_a_secret_value_is_never_quoted(cluster: Cluster) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"password": "hunter2 is not base64"},
    }
    schema = cluster.schemas.for_kind("v1", "Secret")
    assert schema is not None
    errors = schema.validate(secret)
    assert [str(e) for e in errors] == ["data[password]: Invalid value: illegal base64 data"]


# -- CRDs ------------------------------------------------------------------------------------
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
                "closed": {"type": "object"},
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
            },
        }
    },
}
CASES: list[tuple[dict[str, Any], str | None]] = [
    ({}, None),
    ({"port": 80, "extra": {"any": {"thing": [1]}}, "limits": {"a": 1}}, None),
    ({"template": {"apiVersion": "v1", "kind": "Pod", "spec": {"x": 1}}}, None),
    ({"size": None}, "spec.size: Required value"),
    ({"size": 11}, "spec.size: Invalid value: 11: spec.size in body should be less than"),
    ({"size": 0}, "spec.size: Invalid value: 0: spec.size in body should be greater than"),
    ({"size": "3"}, 'spec.size: Invalid value: "string"'),
    ({"size": 3.0}, 'spec.size: Invalid value: "number"'),
    ({"port": 1.5}, 'spec.port: Invalid value: "number"'),
    ({"mode": "medium"}, 'spec.mode: Unsupported value: "medium": supported values: "fast"'),
    ({"name": "Abc"}, "spec.name in body should match '^[a-z]+$'"),
    ({"name": "abcdefghij"}, "spec.name: Too long: may not be more than 8 bytes"),
    ({"limits": {"cpu": "x"}}, 'spec.limits[cpu]: Invalid value: "string"'),
    ({"tags": ["a", "b", "c"]}, "spec.tags: Too many: 3: must have at most 2 items"),
    ({"tags": ["a", 1]}, 'spec.tags[1]: Invalid value: "integer"'),
    ({"template": {"metadata": {}}}, "spec.template.apiVersion: Required value"),
    ({"closed": {"a": 1}}, ".spec.closed.a: field not declared in schema"),
]


def _gadget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g", "namespace": "default"},
        "spec": {"size": 3, **spec},
    }


@pytest.fixture
def gadgets(sim: SimCluster) -> Iterator[SimCluster]:
    definition = crd("example.com", "Gadget", "gadgets")
    definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = GADGET_SCHEMA
    sim.create(definition)
    yield sim


@pytest.mark.parametrize(("spec", "error"), CASES, ids=[str(c[0]) for c in CASES])
def test_crd_schemas_agree_with_the_server(
    cluster: Cluster, gadgets: SimCluster, spec: dict[str, Any], error: str | None
) -> None:
    schema = cluster.schemas.for_kind("example.com/v1", "Gadget")
    assert schema is not None and not schema.has_cel
    obj = _gadget(**spec)
    found = describe_errors("Gadget", "default", "g", schema.validate(obj))
    if error is None:
        assert schema.validate(obj) == []
        cluster.apply(obj, dry_run=True)
    else:
        assert error in found
        with pytest.raises(KubeError) as raised:
            cluster.apply(obj, dry_run=True)
        assert error in str(raised.value)


def test_a_new_crd_is_found_and_a_changed_one_refetched(cluster: Cluster, sim: SimCluster) -> None:
    schemas = _schemas(cluster)
    assert schemas.for_kind("example.com/v1", "Gadget") is None
    assert schemas.for_kind("apps/v1", "Deployment") is not None
    definition = crd("example.com", "Gadget", "gadgets")
    definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = GADGET_SCHEMA
    sim.create(definition)
    sim.reset_requests()
    first = schemas.for_kind("example.com/v1", "Gadget")  # a miss: the listing is read again
    assert first is not None and first.validate(_gadget()) == []
    assert _openapi_gets(sim) == ["/openapi/v3", "/openapi/v3/apis/example.com/v1"]

    changed = copy.deepcopy(definition)
    changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"][
        "x-kubernetes-validations"
    ] = [{"rule": "self.size < 5"}]
    sim.apply(changed)
    sim.reset_requests()
    assert schemas.for_kind("example.com/v1", "Gadget") is first  # nothing re-read yet
    schemas.refresh()
    second = schemas.for_kind("example.com/v1", "Gadget")
    assert second is not None and second is not first and second.has_cel
    assert schemas.for_kind("apps/v1", "Deployment") is not None
    assert _openapi_gets(sim) == ["/openapi/v3", "/openapi/v3/apis/example.com/v1"]


def test_an_unserved_kind_has_no_schema(cluster: Cluster) -> None:
    assert cluster.schemas.for_kind("example.com/v1", "Nothing") is None
    assert cluster.schemas.for_kind("v1", "Nothing") is None


# -- a hostile listing -----------------------------------------------------------------------
class _Listing(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.mark.parametrize(
    "url", ["http://elsewhere.example/openapi/v3/apis/apps/v1", "/api/v1/secrets"]
)
def test_a_listing_pointing_elsewhere_is_not_followed(tmp_path: Path, url: str) -> None:
    listing = {"paths": {"apis/apps/v1": {"serverRelativeURL": url}}}
    handler = type("Handler", (_Listing,), {"body": json.dumps(listing).encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        kubeconfig = tmp_path / "config"
        write_kubeconfig(kubeconfig, f"http://127.0.0.1:{server.server_port}")
        with (
            Cluster.from_kubeconfig(kubeconfig, qps=0) as cluster,
            pytest.raises(KubeError, match="outside /openapi/v3"),
        ):
            cluster.schemas.for_kind("apps/v1", "Deployment")
    finally:
        server.shutdown()
        server.server_close()
