"""The demo's two embedded clusters (staging, production) and what the demo needs of
each: a kubeconfig, a cluster port for syncing, and a cluster record for the generator."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from gitsync.appset import Cluster as ClusterRecord
from gitsync.kube import Cluster
from gitsync.sim import SimCluster
from gitsync.sim.controllers.manager import default_controllers
from gitsync.sync.kubeport import KubePort

ENVIRONMENTS = ("staging", "production")
ROLLOUT_CONTROLLER_MODULE = "gitsync.sim.controllers.rollout"


@dataclass
class DemoCluster:
    name: str
    sim: SimCluster
    kubeconfig: Path
    port: KubePort

    @property
    def record(self) -> ClusterRecord:
        """How the ApplicationSet's clusters generator sees it."""
        return ClusterRecord(name=self.name, server=self.sim.url, labels={"env": self.name})


ROLLOUT_CONTROLLER = "rollout"


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
            port = KubePort(Cluster.from_kubeconfig(kubeconfig, name, name=name))
        except BaseException:
            sim.stop()
            raise
        return DemoCluster(name, sim, kubeconfig, port)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        for cluster in self.clusters:
            cluster.port.cluster.close()
            cluster.sim.stop()
        self.clusters = []

    def by_server(self, server: str) -> DemoCluster | None:
        for cluster in self.clusters:
            if cluster.sim.url == server.rstrip("/"):
                return cluster
        return None

    @property
    def records(self) -> list[ClusterRecord]:
        return [c.record for c in self.clusters]
