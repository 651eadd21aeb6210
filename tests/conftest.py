"""Shared fixtures for every test directory.

`sim`
    A running `gitsync.sim.SimCluster` (the embedded Kubernetes API server), one per test,
    on its own random port, with all simulated controllers on and ``ready_delay=0`` (a
    Deployment is ready within milliseconds of being written). Useful attributes:
    ``sim.url``, ``sim.kubeconfig`` (a kubeconfig file in a temp dir),
    ``sim.write_kubeconfig(path, context="sim")``, ``sim.requests`` / ``sim.writes()`` /
    ``sim.reset_requests()`` (the request log), ``sim.faults`` (fault injection),
    ``sim.get_object(api_version, kind, namespace, name)``, ``sim.set_status(...)``,
    ``sim.apply(obj)``, ``sim.install_argo_rollouts_crds()``.

`own_caches` (automatic, once per run and per xdist worker)
    Git mirrors and tools' caches go to the run's temp dir (``XDG_CACHE_HOME``), never to
    ``~/.cache`` where another run, or another worker of this one, would share them.

`sim_client`
    A `kubernetes.dynamic.DynamicClient` talking to that `sim` through its kubeconfig, with
    its own discovery cache file under the test's ``tmp_path`` (call
    ``sim_client.resources.invalidate_cache()`` after creating a CRD).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsync.sim import SimCluster

# Files whose tests run `gitsync` as subprocesses (CLI and end-to-end tests, `gitsync
# serve`) take seconds per test; the rest take milliseconds.
_SLOW_DIRECTORIES = {"bench", "cli", "controller", "demo", "rollouts", "ui"}


def _is_slow_file(path: Path) -> bool:
    return "e2e" in path.stem or "cli" in path.stem or path.parent.name in _SLOW_DIRECTORIES


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow files first, each file's tests still in order: with ``-n N --dist loadfile
    --no-loadscope-reorder`` (`make unit`) the workers share out the long files at the
    start and end on short ones, instead of one worker running a long file alone at the
    end. The order is the same on every worker and every run."""
    items.sort(key=lambda item: not _is_slow_file(item.path))


@pytest.fixture(scope="session", autouse=True)
def own_caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    patch.delenv("GITSYNC_CACHE_DIR", raising=False)
    yield
    patch.undo()


@pytest.fixture
def sim() -> Iterator[SimCluster]:
    with SimCluster(controllers=True, ready_delay=0.0, port=0) as cluster:
        yield cluster


@pytest.fixture
def sim_client(sim: SimCluster, tmp_path: Path) -> Iterator[Any]:
    from kubernetes import config, dynamic

    api_client = config.new_client_from_config(config_file=str(sim.kubeconfig))
    try:
        yield dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    finally:
        api_client.close()
