"""API answers become gitsync errors naming Kind/namespace/name, with the server's message."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnavailableError,
)
from gitsync.kube import Cluster
from tests.kube.conftest import config_map


def test_404_not_found(cluster: Cluster) -> None:
    with pytest.raises(NotFoundError) as caught:
        cluster.patch("v1", "ConfigMap", "default", "missing", {"data": {"a": "1"}})
    assert caught.value.resource == "ConfigMap/default/missing"
    assert "missing" in str(caught.value).removeprefix("ConfigMap/default/missing: ")


def test_409_already_exists(cluster: Cluster) -> None:
    cluster.create(config_map("twice"))
    with pytest.raises(ConflictError) as caught:
        cluster.create(config_map("twice"))
    assert caught.value.status == 409
    assert str(caught.value).startswith("ConfigMap/default/twice: ")
    assert "already exists" in str(caught.value)


def test_422_invalid_object(cluster: Cluster) -> None:
    bad = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "Not_A_Valid_Name", "namespace": "default"},
        "spec": {},
    }
    with pytest.raises(InvalidError) as caught:
        cluster.apply(bad)
    assert caught.value.status == 422
    assert caught.value.resource == "Deployment/default/Not_A_Valid_Name"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (403, ForbiddenError),
        (500, UnavailableError),
        (503, UnavailableError),
        (429, UnavailableError),
    ],
)
def test_injected_statuses(cluster: Cluster, sim: Any, status: int, cls: type[Exception]) -> None:
    sim.faults.add(method="PATCH", kind="ConfigMap", name="hurt", status=status, times=1)
    with pytest.raises(cls) as caught:
        cluster.apply(config_map("hurt"))
    err: Any = caught.value
    assert err.status == status
    assert str(err).startswith("ConfigMap/default/hurt: ")
    assert "injected fault" in str(err)
    # the fault fired once: the next apply goes through
    assert cluster.apply(config_map("hurt"))["metadata"]["name"] == "hurt"


def test_server_gone_is_unavailable(sim: Any) -> None:
    cluster = Cluster.from_kubeconfig(sim.kubeconfig)
    cluster.ping()
    server = cluster.server
    sim.stop()
    with pytest.raises(UnavailableError) as caught:
        cluster.get("v1", "ConfigMap", "default", "x")
    message = str(caught.value)
    assert message.startswith(f"cannot reach {server}: ")
    assert "\n" not in message
    cluster.close()
