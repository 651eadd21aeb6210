"""A `Cluster` on the embedded API server of each test (the `sim` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.kube import Cluster


@pytest.fixture
def cluster(sim: Any) -> Iterator[Cluster]:
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=0) as connected:
        yield connected


def config_map(name: str, namespace: str | None = "default", **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": dict(data)}


def namespace(cluster: Cluster, name: str) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
