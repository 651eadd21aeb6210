"""Prometheus metrics of `gitsync serve`, in a registry owned by one `Metrics` object.

A registry per instance (never prometheus_client's global one) lets tests run several
servers in one process. The controller calls the ``observe_*`` / ``git_fetch`` /
``api_request`` methods; the HTTP layer records webhook and HTTP requests; app counts by
sync and health status are read from the controller when Prometheus scrapes.

Metric names (all prefixed ``gitsync_``):
- ``apps{sync_status, health}`` gauge: number of apps per status pair, at scrape time;
- ``reconcile_duration_seconds`` histogram; ``app_reconcile_total{app}`` counter;
- ``sync_duration_seconds{phase}`` histogram; ``app_sync_total{app, phase}`` counter;
- ``git_fetch_duration_seconds{repo}`` histogram; ``git_fetch_failures_total{repo}``;
- ``webhook_requests_total{provider, result}``; ``webhook_pushes_total{provider}``;
- ``kube_api_requests_total{verb, code}``: Kubernetes API calls made by the controller;
- ``http_requests_total{route, code}``: requests served by gitsync's own HTTP server.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

AppsSource = Callable[[], Iterable[Mapping[str, Any]]]

# Reconciles and fetches are milliseconds to seconds; syncs can wait on health for minutes.
_FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_SYNC_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class Metrics:
    """All metrics of one gitsync process. Thread-safe (prometheus_client is)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._apps_collector = _AppsCollector()
        self.registry.register(self._apps_collector)
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
            "gitsync_git_fetch_duration_seconds",
            "Duration of git fetch / ls-remote calls, by repository.",
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
            "Kubernetes API requests by verb and HTTP status code.",
            ["verb", "code"],
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
        self.reconciles.labels(app=app).inc()

    def observe_sync(self, app: str, phase: str, seconds: float) -> None:
        """A sync operation of `app` finished in `phase` (Succeeded, Failed, Error...)."""
        self.sync_seconds.labels(phase=phase).observe(seconds)
        self.syncs.labels(app=app, phase=phase).inc()

    def git_fetch(self, repo: str, seconds: float, ok: bool) -> None:
        """`repo` should be a URL without credentials (it becomes a label value)."""
        self.fetch_seconds.labels(repo=repo).observe(seconds)
        if not ok:
            self.fetch_failures.labels(repo=repo).inc()

    def api_request(self, verb: str, code: int | str) -> None:
        self.kube_requests.labels(verb=verb.upper(), code=str(code)).inc()

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


class _AppsCollector(Collector):
    """Counts apps per (sync status, health) from the controller's view at collect time."""

    def __init__(self) -> None:
        self.source: AppsSource | None = None

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        source = self.source
        if source is not None:
            tally = Tally(
                (str(app.get("sync_status", "Unknown")), str(app.get("health", "Unknown")))
                for app in source()
            )
            for (sync_status, health), count in sorted(tally.items()):
                family.add_metric([sync_status, health], count)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "gitsync_apps",
            "Applications by sync status and health.",
            labels=["sync_status", "health"],
        )
