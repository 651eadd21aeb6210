"""The demo's script: clusters, repository, ApplicationSet, syncs, a change, a summary."""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gitsync.appset import expand, load_documents, repo_tree_provider
from gitsync.demo.clusters import DemoClusters
from gitsync.demo.content import (
    APPSET_FILE,
    WEB_IMAGE_NEXT,
    DemoRepo,
    initial_files,
    web_image_change,
)
from gitsync.demo.output import Printer
from gitsync.demo.syncstep import AppSync, RunnerSyncStep, SyncStep
from gitsync.errors import AppSetError
from gitsync.model import Application
from gitsync.source import RepoCache

# Services in dependency order: the database app before the service that uses it.
SERVICE_ORDER = ("orders-db", "orders", "billing", "web")
BLUE_GREEN_SERVICE = "web"


@dataclass(frozen=True)
class DemoOptions:
    color: bool = True
    keep: bool = False
    ready_delay: float = 0.3  # seconds until a workload is ready: long enough to see waves
    wave_delay: float = 0.2
    app_timeout: float = 60.0
    # Without a Rollout controller a Rollout never becomes healthy; without the pause
    # gate a blue-green update never leaves its wave. The demo waits this long, then says so.
    rollout_wait: float = 4.0
    gate_wait: float = 15.0
    rollout_controller: bool = True  # False: run the clusters without it


def run_demo(options: DemoOptions) -> int:
    """Run the whole demo; the exit status (0: every step did what it should)."""
    printer = Printer(options.color)
    with tempfile.TemporaryDirectory(prefix="gitsync-demo-") as tmp:
        workdir = Path(tmp)
        with (
            DemoClusters(
                workdir, options.ready_delay, rollouts=options.rollout_controller
            ) as clusters,
            _cache(workdir) as cache,
        ):
            step = RunnerSyncStep(
                clusters,
                cache,
                wave_delay=options.wave_delay,
                on_event=printer.on_event,
                on_rollout_done=printer.live_health,
            )
            ok = Demo(options, printer, clusters, cache, step, workdir).run()
            if options.keep:
                _keep_running(printer, clusters)
    return 0 if ok else 1


@contextmanager
def _cache(workdir: Path) -> Iterator[RepoCache]:
    cache = RepoCache(workdir / "cache")
    try:
        yield cache
    finally:
        cache.close()


class Demo:
    def __init__(
        self,
        options: DemoOptions,
        printer: Printer,
        clusters: DemoClusters,
        cache: RepoCache,
        step: SyncStep,
        workdir: Path,
    ) -> None:
        self.options = options
        self.out = printer
        self.clusters = clusters
        self.cache = cache
        self.step = step
        self.repo = DemoRepo(workdir / "repo")
        self.rollouts = clusters.rollouts
        self.latest: dict[str, AppSync] = {}

    def run(self) -> bool:
        self._show_clusters()
        files = initial_files(self.repo.url)
        sha = self.repo.commit(files, "shop: orders, orders-db, billing and web")
        self.out.heading(f"Git repository {self.repo.path} (commit {sha[:7]})")
        for name in sorted(files):
            self.out.line(f"   {name}")
        apps = self._generate(sha)
        ok = all(self._sync(app) for app in apps)
        self.out.heading("Health after the first sync")
        self.out.health_table([self.latest[a.name] for a in apps])
        ok = self._blue_green(files, apps) and ok
        self.out.heading("Health at the end")
        self.out.health_table([self.latest[a.name] for a in apps])
        self._next_steps()
        return ok

    def _show_clusters(self) -> None:
        self.out.heading("Two embedded clusters, with the Argo Rollouts CRDs")
        for cluster in self.clusters.clusters:
            self.out.line(f"   {cluster.name:<11} {cluster.sim.url}")
        if not self.rollouts:
            self.out.note(
                "these embedded clusters run no Rollout controller: "
                "Rollouts are applied but never become ready"
            )

    def _generate(self, sha: str) -> list[Application]:
        _, appsets = load_documents(self.cache.tree(self.repo.url, sha), APPSET_FILE)
        if len(appsets) != 1:
            raise AppSetError(f"{APPSET_FILE}: expected one ApplicationSet")
        appset = appsets[0]
        trees = repo_tree_provider(self.cache)
        apps = expand(appset, trees=trees, clusters=self.clusters.records)
        apps.sort(key=self._order)
        self.out.heading(
            f"ApplicationSet {appset.name} ({APPSET_FILE}) generated {len(apps)} Applications"
        )
        self.out.applications(apps)
        return apps

    def _order(self, app: Application) -> tuple[int, int, str]:
        clusters = [c.record.server for c in self.clusters.clusters]
        server = app.destination.server
        cluster_index = clusters.index(server) if server in clusters else len(clusters)
        service = app.labels.get("service", "")
        rank = SERVICE_ORDER.index(service) if service in SERVICE_ORDER else len(SERVICE_ORDER)
        return (cluster_index, rank, app.name)

    def _sync(self, app: Application, *, timeout: float | None = None) -> bool:
        """Sync one app and print its account; False when it did not end as it should."""
        rollout_app = app.labels.get("service") == BLUE_GREEN_SERVICE
        wait = timeout or self.options.app_timeout
        if rollout_app and not self.rollouts:
            wait = self.options.rollout_wait
        self.out.heading(f"sync {app.name} -> {app.destination.namespace} on {self._cluster(app)}")
        started = time.monotonic()
        result = self.step(app, timeout=wait)
        self.latest[app.name] = result
        self.out.sync_result(result)
        self.out.line(f"   took {time.monotonic() - started:.1f}s")
        if result.phase == "Succeeded":
            return True
        if rollout_app and not self.rollouts:
            self.out.note(
                "stopped waiting for the Rollout: no Rollout controller in these clusters"
            )
            return True
        return False

    def _cluster(self, app: Application) -> str:
        found = self.clusters.by_server(app.destination.server)
        return found.name if found is not None else app.destination.server

    def _blue_green(self, files: dict[str, str], apps: list[Application]) -> bool:
        self.out.heading(f"A new web image: {WEB_IMAGE_NEXT} (blue-green)")
        if not self.rollouts:
            self.out.note(
                "skipped: the gated blue-green flow needs the Rollout controller of the "
                "embedded clusters, which they do not run"
            )
            return True
        sha = self.repo.commit(web_image_change(files), f"web: ship {WEB_IMAGE_NEXT}")
        self.out.line(f"   committed {sha[:7]}: web: ship {WEB_IMAGE_NEXT}")
        self.out.line(
            "   expected: preview ReplicaSet up behind web-preview, the Rollout pauses, the"
        )
        self.out.line(
            "   gate lets the sync go on, PostSync tests the preview (wave 0), promotes (wave 1)"
        )
        for app in [a for a in apps if a.labels.get("service") == BLUE_GREEN_SERVICE]:
            if not self._sync(app, timeout=self.options.gate_wait):
                self.out.note(
                    "the paused Rollout kept its wave waiting, so PostSync never ran: this "
                    "build has no Rollout pause gate (gitsync.io/sync-gate: pause); the rest "
                    "of the blue-green flow is skipped"
                )
                return True
        return True

    def _next_steps(self) -> None:
        self.out.heading("Where to look next")
        self.out.line(
            "   gitsync diff PATH --kubeconfig FILE      what differs between Git and a cluster"
        )
        self.out.line("   gitsync sync PATH --kubeconfig FILE      sync one app yourself")
        self.out.line("   gitsync dev-cluster                      an embedded cluster for kubectl")
        self.out.line("   gitsync demo --keep                      keep these clusters running")
        self.out.line("   gitsync serve --repo DIR --path DIR      the controller: polls, webhooks")
        self.out.line("   gitsync app list / gitsync app get NAME  status from the controller")
        self.out.line("   GET /api/v1/applications                 the same status over HTTP")
        self.out.line("   applicationsets/ and hooks/              examples to start from")


def _keep_running(printer: Printer, clusters: DemoClusters) -> None:
    printer.heading("The clusters keep running until Ctrl-C")
    for cluster in clusters.clusters:
        printer.line(f"   {cluster.name:<11} kubectl --kubeconfig {cluster.kubeconfig} get all -A")
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        printer.line("   stopping the clusters")
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
