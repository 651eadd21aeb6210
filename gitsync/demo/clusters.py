"""The demo's two embedded clusters (staging, production): a kubeconfig each, the
clusters file the controller reads, and the records the ApplicationSet sees."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import yaml

from gitsync.appset import ClusterRecord
from gitsync.sim import SimCluster
from gitsync.sim.controllers.manager import default_controllers

ENVIRONMENTS = ("staging", "production")
ROLLOUT_CONTROLLER_MODULE = "gitsync.sim.controllers.rollout"
ROLLOUT_CONTROLLER = "rollout"


@dataclass
class DemoCluster:
    """One embedded cluster of the demo, with the kubeconfig that reaches it."""

    name: str
    sim: SimCluster
    kubeconfig: Path

    @property
    def record(self) -> ClusterRecord:
        """How the ApplicationSet's clusters generator sees it."""
        return ClusterRecord(name=self.name, server=self.sim.url, labels={"env": self.name})


def rollout_controller_available() -> bool:
    """Whether this build's embedded cluster has a Rollout controller (blue-green, promote)."""
    return importlib.util.find_spec(ROLLOUT_CONTROLLER_MODULE) is not None


class DemoClusters:
    """Starts one SimCluster per environment with Argo Rollouts' CRDs installed."""

    def __init__(self, workdir: Path, ready_delay: float, *, rollouts: bool = True) -> None:
        self.workdir = workdir
        self.ready_delay = ready_delay
        # Without the Rollout controller the clusters behave like a build that lacks it.
        self.rollouts = rollouts and rollout_controller_available()
        self.clusters: list[DemoCluster] = []

    def __enter__(self) -> DemoClusters:
        try:
            for name in ENVIRONMENTS:
                self.clusters.append(self._start(name))
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, name: str) -> DemoCluster:
        controllers: bool | list[str] = True
        if not self.rollouts:
            controllers = [c.name for c in default_controllers() if c.name != ROLLOUT_CONTROLLER]
        sim = SimCluster(controllers=controllers, ready_delay=self.ready_delay).start()
        try:
            sim.install_argo_rollouts_crds()
            kubeconfig = sim.write_kubeconfig(self.workdir / f"{name}.kubeconfig", name)
        except BaseException:
            sim.stop()
            raise
        return DemoCluster(name, sim, kubeconfig)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        for cluster in self.clusters:
            cluster.sim.stop()
        self.clusters = []

    @property
    def home(self) -> DemoCluster:
        """Where the controller runs: it keeps its status and operations there."""
        return self.clusters[0]

    def by_server(self, server: str) -> DemoCluster | None:
        for cluster in self.clusters:
            if cluster.sim.url == server.rstrip("/"):
                return cluster
        return None

    @property
    def records(self) -> list[ClusterRecord]:
        return [c.record for c in self.clusters]

    def write_clusters_file(self, path: Path) -> Path:
        """The `--clusters` file of `gitsync serve`: each cluster's record and kubeconfig."""
        entries = [
            {
                "name": c.name,
                "server": c.sim.url,
                "labels": dict(c.record.labels),
                "kubeconfig": str(c.kubeconfig),
                "context": c.name,
            }
            for c in self.clusters
        ]
        path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
        return path
