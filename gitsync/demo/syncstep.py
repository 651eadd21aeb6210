"""Sync one generated Application at one commit: render it from Git, run the sync
operation to its end, and read its health.

This is the one step a controller (`gitsync serve`) can take over: anything with the
`SyncStep` signature fits, the demo only prints what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from gitsync.demo.clusters import DemoClusters
from gitsync.demo.health import app_health
from gitsync.errors import GitsyncError
from gitsync.health import Health, assess
from gitsync.model import Application, Manifest
from gitsync.model.annotations import SyncOptions
from gitsync.model.enums import HealthStatus
from gitsync.render import Renderer, RenderOptions
from gitsync.source import RepoCache
from gitsync.sync.kubeport import KubePort
from gitsync.sync.runner import SyncEvent, SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import TaskResult


@dataclass(frozen=True)
class AppSync:
    """What syncing one Application did."""

    app: str
    cluster: str
    revision: str
    phase: str  # Succeeded, Failed, Error
    message: str
    health: Health
    results: tuple[TaskResult, ...] = field(default=())


EventSink = Callable[[Application, SyncEvent], None]
HealthSink = Callable[[str, Health], None]


class SyncStep(Protocol):
    def __call__(self, app: Application, *, timeout: float) -> AppSync: ...


class RunnerSyncStep:
    """Syncs with a SyncRunner per cluster, in this process."""

    def __init__(
        self,
        clusters: DemoClusters,
        cache: RepoCache,
        *,
        wave_delay: float,
        on_event: EventSink | None = None,
        on_rollout_done: HealthSink | None = None,
    ) -> None:
        self.clusters = clusters
        self.cache = cache
        self.renderer = Renderer()
        self.wave_delay = wave_delay
        self.on_event = on_event
        self.on_rollout_done = on_rollout_done
        self._runners: dict[str, SyncRunner] = {}

    def __call__(self, app: Application, *, timeout: float) -> AppSync:
        target = self.clusters.by_server(app.destination.server)
        if target is None:
            raise GitsyncError(f"Application {app.name}: no cluster at {app.destination.server}")
        source = app.source
        sha = self.cache.resolve(source.repo_url, source.target_revision)
        namespace = app.destination.namespace or "default"
        manifests = self._render(app, sha, namespace)
        automated = app.sync_policy.automated
        request = SyncRequest(
            app=app.name,
            manifests=manifests,
            revision=sha,
            dest_namespace=namespace,
            sync_options=SyncOptions.parse(list(app.sync_policy.sync_options)),
            settings=SyncSettings(
                prune=bool(automated and automated.prune), wave_delay=self.wave_delay
            ),
        )
        runner = self._runners.setdefault(target.name, SyncRunner(target.port, poll_interval=0.05))

        def forward(event: SyncEvent) -> None:
            if self.on_event is not None:
                self.on_event(app, event)
            for result in event.changed:
                if result.kind == "Rollout" and result.task_status.completed:
                    self._report_rollout(target.port, result)

        state = runner.run(request, timeout=timeout, on_event=forward)
        health = app_health(target.port, manifests, namespace)
        return AppSync(
            app=app.name,
            cluster=target.name,
            revision=sha,
            phase=state.phase,
            message=state.message,
            health=health,
            results=tuple(state.ordered_results()),
        )

    def _report_rollout(self, port: KubePort, result: TaskResult) -> None:
        """The Rollout as its wave lets it go: paused on the preview (Progressing) when
        the sync gate let the sync continue before promotion."""
        if self.on_rollout_done is None:
            return
        api_version = f"{result.group}/{result.version}" if result.group else result.version
        live = port.get(api_version, result.kind, result.namespace, result.name)
        health = assess(live) if live is not None else None
        if health is not None:
            self.on_rollout_done(result.resource, health)

    def _render(self, app: Application, sha: str, namespace: str) -> list[Manifest]:
        source = app.source
        tree = self.cache.tree(source.repo_url, sha)
        options = RenderOptions.from_source(
            dict(source.raw), app_name=app.name, namespace=namespace
        )
        return self.renderer.render(tree, source.path, options)


def healthy(result: AppSync) -> bool:
    return result.health.status is HealthStatus.HEALTHY
