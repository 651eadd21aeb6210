"""Prometheus metrics of `gitsync serve`, in a registry owned by one `Metrics` object.

A registry per instance (never prometheus_client's global one) lets tests run several
servers in one process. The controller calls the ``observe_*`` / ``git_fetch`` /
``api_request`` methods; the HTTP layer records webhook and HTTP requests; app counts by
sync and health status are read from the controller when Prometheus scrapes.

Metric names (all prefixed ``gitsync_``; modelled on Argo CD's ``argocd_*`` where it has
one), read at scrape time where they describe state:
- ``app_info{name, project, dest_server, dest_namespace, sync_status, health_status,
  repo}`` gauge (1 per app) and ``apps{sync_status, health}`` gauge (counts);
- ``reconcile_duration_seconds`` histogram, ``app_reconcile_duration_seconds{app}``
  histogram, ``app_reconcile_total{app}`` counter;
- ``sync_duration_seconds{phase}`` and ``app_sync_duration_seconds{app}`` histograms,
  ``app_sync_total{app, phase}`` counter;
- ``workqueue_depth`` gauge, ``workqueue_adds_total`` counter,
  ``workqueue_queue_duration_seconds`` (added to taken) and
  ``workqueue_work_duration_seconds`` (taken to done) histograms;
- ``git_request_duration_seconds{repo}`` histogram, ``git_fetch_failures_total{repo}``;
  one label value per repository (its normalised URL, credentials removed);
- ``kube_api_requests_total{cluster, verb, code}`` and
  ``kube_api_request_duration_seconds{cluster, verb}``;
- ``leader`` gauge (1 while this replica holds the Lease; with ``--shards``: any shard
  Lease), ``shards_held`` and ``apps_owned`` gauges (what this replica syncs);
- ``webhook_requests_total{provider, result}``; ``webhook_pushes_total{provider}``;
- ``http_requests_total{route, code}``: requests served by gitsync's own HTTP server;
- the process and Python collectors (``process_*``, ``python_*``).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gitsync.push.repourl import normalize_repo_url

AppsSource = Callable[[], Iterable[Mapping[str, Any]]]

# Reconciles and fetches are milliseconds to seconds; syncs can wait on health for minutes.
_FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_SYNC_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
# Per-app histograms keep few buckets: a thousand apps make a thousand label values.
_APP_BUCKETS = (0.05, 0.25, 1, 5, 30, 120, 600)
_INFO_LABELS = ("name", "project", "dest_server", "dest_namespace", "sync_status",
                "health_status", "repo")  # fmt: skip


class Metrics:
    """All metrics of one gitsync process. Thread-safe (prometheus_client is)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._apps_collector = _AppsCollector()
        self.registry.register(self._apps_collector)
        for shared in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(shared)  # read-only collectors of this process
        r = self.registry
        self.reconcile_seconds = Histogram(
            "gitsync_reconcile_duration_seconds",
            "Time to reconcile one app (render, diff, status).",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.reconciles = Counter(
            "gitsync_app_reconcile_total", "Reconciles per app.", ["app"], registry=r
        )
        self.app_reconcile_seconds = Histogram(
            "gitsync_app_reconcile_duration_seconds",
            "Time to reconcile one app, per app.",
            ["app"],
            buckets=_APP_BUCKETS,
            registry=r,
        )
        self.app_sync_seconds = Histogram(
            "gitsync_app_sync_duration_seconds",
            "Duration of finished sync operations, per app.",
            ["app"],
            buckets=_APP_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "gitsync_workqueue_depth", "Keys waiting in the work queue.", registry=r
        )
        self.queue_adds = Counter(
            "gitsync_workqueue_adds_total", "Keys added to the work queue.", registry=r
        )
        self.queue_wait_seconds = Histogram(
            "gitsync_workqueue_queue_duration_seconds",
            "Time a key waited in the work queue before a worker took it.",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.queue_work_seconds = Histogram(
            "gitsync_workqueue_work_duration_seconds",
            "Time a worker spent on one key.",
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.kube_request_seconds = Histogram(
            "gitsync_kube_api_request_duration_seconds",
            "Kubernetes API request latency by cluster and verb.",
            ["cluster", "verb"],
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.leader = Gauge(
            "gitsync_leader", "1 while this replica holds the leader Lease.", registry=r
        )
        self.shards_held = Gauge(
            "gitsync_shards_held", "Shards this replica owns (1 without sharding).", registry=r
        )
        self.apps_owned = Gauge(
            "gitsync_apps_owned", "Apps in the shards this replica owns.", registry=r
        )
        self.sync_seconds = Histogram(
            "gitsync_sync_duration_seconds",
            "Duration of finished sync operations, by final phase.",
            ["phase"],
            buckets=_SYNC_BUCKETS,
            registry=r,
        )
        self.syncs = Counter(
            "gitsync_app_sync_total",
            "Sync operations per app and phase.",
            ["app", "phase"],
            registry=r,
        )
        self.fetch_seconds = Histogram(
            "gitsync_git_request_duration_seconds",
            "Duration of Git requests (ls-remote, fetch) and Helm index reads, by repository.",
            ["repo"],
            buckets=_FAST_BUCKETS,
            registry=r,
        )
        self.fetch_failures = Counter(
            "gitsync_git_fetch_failures_total", "Failed git fetches.", ["repo"], registry=r
        )
        self.webhooks = Counter(
            "gitsync_webhook_requests_total",
            "Webhook deliveries by provider and result.",
            ["provider", "result"],
            registry=r,
        )
        self.webhook_pushes = Counter(
            "gitsync_webhook_pushes_total",
            "Pushes (ref updates) received through webhooks.",
            ["provider"],
            registry=r,
        )
        self.kube_requests = Counter(
            "gitsync_kube_api_requests_total",
            "Kubernetes API requests by cluster, verb and HTTP status code.",
            ["cluster", "verb", "code"],
            registry=r,
        )
        self.http_requests = Counter(
            "gitsync_http_requests_total",
            "Requests served by gitsync's HTTP server, by route and status code.",
            ["route", "code"],
            registry=r,
        )

    # -- called by the controller ---------------------------------------------------------
    def observe_reconcile(self, app: str, seconds: float) -> None:
        self.reconcile_seconds.observe(seconds)
        self.app_reconcile_seconds.labels(app=app).observe(seconds)
        self.reconciles.labels(app=app).inc()

    def observe_sync(self, app: str, phase: str, seconds: float) -> None:
        """A sync operation of `app` finished in `phase` (Succeeded, Failed, Error...)."""
        self.sync_seconds.labels(phase=phase).observe(seconds)
        self.app_sync_seconds.labels(app=app).observe(seconds)
        self.syncs.labels(app=app, phase=phase).inc()

    def git_fetch(self, repo: str, seconds: float, ok: bool) -> None:
        """`repo` must carry no credentials; its spellings (``/path``, ``file:///path``,
        ``git@host:o/r.git``, ``https://host/o/r``) share one label value."""
        label = repo_label(repo)
        self.fetch_seconds.labels(repo=label).observe(seconds)
        if not ok:
            self.fetch_failures.labels(repo=label).inc()

    def api_request(self, cluster: str, verb: str, code: int | str, seconds: float) -> None:
        verb = verb.upper()
        self.kube_requests.labels(cluster=cluster, verb=verb, code=str(code)).inc()
        self.kube_request_seconds.labels(cluster=cluster, verb=verb).observe(seconds)

    def queue_added(self, depth: int) -> None:
        self.queue_adds.inc()
        self.queue_depth.set(depth)

    def queue_taken(self, depth: int, waited: float) -> None:
        self.queue_depth.set(depth)
        self.queue_wait_seconds.observe(waited)

    def queue_worked(self, seconds: float) -> None:
        self.queue_work_seconds.observe(seconds)

    def set_leader(self, leading: bool) -> None:
        self.leader.set(1 if leading else 0)

    def set_apps_source(self, source: AppsSource | None) -> None:
        """Where the per-status app counts come from at scrape time (status dicts with
        ``sync_status`` and ``health`` keys, as `ControllerView.applications` returns)."""
        self._apps_collector.source = source

    # -- called by the HTTP layer ---------------------------------------------------------
    def webhook(self, provider: str, result: str, pushes: int = 0) -> None:
        self.webhooks.labels(provider=provider, result=result).inc()
        if pushes:
            self.webhook_pushes.labels(provider=provider).inc(pushes)

    def http_request(self, route: str, code: int) -> None:
        self.http_requests.labels(route=route, code=str(code)).inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric in this registry."""
        return generate_latest(self.registry)


def repo_label(repo: str) -> str:
    """One label value per repository, whichever way a source spells its URL."""
    try:
        return normalize_repo_url(repo)
    except ValueError:
        return repo


class _AppsCollector(Collector):
    """App counts per (sync status, health) and one info series per app, from the
    controller's view at collect time."""

    def __init__(self) -> None:
        self.source: AppsSource | None = None

    def describe(self) -> Iterable[Metric]:
        return [self._counts(), self._info()]

    def collect(self) -> Iterator[Metric]:
        counts, info = self._counts(), self._info()
        apps = list(self.source()) if self.source is not None else []
        tally = Tally(
            (str(app.get("sync_status", "Unknown")), str(app.get("health", "Unknown")))
            for app in apps
        )
        for (sync_status, health), count in sorted(tally.items()):
            counts.add_metric([sync_status, health], count)
        for app in apps:
            info.add_metric(
                [
                    str(app.get("name", "")),
                    str(app.get("project") or "default"),
                    str(app.get("destination", "")),
                    str(app.get("destination_namespace", "")),
                    str(app.get("sync_status", "Unknown")),
                    str(app.get("health", "Unknown")),
                    repo_label(str(app.get("repo", ""))) if app.get("repo") else "",
                ],
                1,
            )
        yield counts
        yield info

    @staticmethod
    def _counts() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "gitsync_apps",
            "Applications by sync status and health.",
            labels=["sync_status", "health"],
        )

    @staticmethod
    def _info() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "gitsync_app_info", "Information about each application.", labels=_INFO_LABELS
        )
