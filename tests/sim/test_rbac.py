"""The emulator's RBAC: bearer tokens, Roles and bindings, 401 and 403 answers shaped as a
real API server's, from a YAML table of requests over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml

from gitsync.sim import SimCluster
from gitsync.sim.rbac import ADMIN_TOKEN

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sim" / "rbac.yaml"
TABLE: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())


@pytest.fixture(scope="module")
def sim() -> Iterator[SimCluster]:
    with SimCluster(controllers=False, port=0) as cluster:
        for obj in TABLE["objects"]:
            cluster.create(obj)
        cluster.enable_rbac()
        yield cluster


@pytest.fixture(scope="module")
def token(sim: SimCluster) -> str:
    return sim.service_account_token("team", "deployer")


def _call(sim: SimCluster, method: str, path: str, token: str | None) -> tuple[int, Any]:
    request = urllib.request.Request(sim.url + path, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.mark.parametrize("case", TABLE["requests"], ids=lambda c: f"{c['method']} {c['path']}")
def test_request(sim: SimCluster, token: str, case: dict[str, Any]) -> None:
    chosen = {"none": None, "admin": ADMIN_TOKEN}.get(case.get("token", ""), token)
    status, body = _call(sim, case["method"], case["path"], chosen)
    assert status == case["status"], body
    if status in (401, 403):
        assert body["kind"] == "Status" and body["status"] == "Failure"
        assert body["reason"] == ("Forbidden" if status == 403 else "Unauthorized")


def test_forbidden_reaches_the_kubernetes_client_as_a_real_server_says_it(
    sim: SimCluster, token: str, tmp_path: Path
) -> None:
    config = sim.write_kubeconfig(tmp_path / "kubeconfig", token=token)
    api = kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(str(config)))
    assert api.list_namespaced_config_map("a").items == []
    with pytest.raises(kubernetes.client.ApiException) as caught:
        api.list_namespaced_config_map("c")
    assert caught.value.status == 403
    status = json.loads(caught.value.body)
    assert status["message"] == (
        'configmaps is forbidden: User "system:serviceaccount:team:deployer" cannot list '
        'resource "configmaps" in API group "" in the namespace "c"'
    )
    assert status["details"]["kind"] == "configmaps"
    records = [r for r in sim.requests if r.path == "/api/v1/namespaces/c/configmaps"]
    assert records[-1].user == "system:serviceaccount:team:deployer"
    assert records[-1].status == 403
