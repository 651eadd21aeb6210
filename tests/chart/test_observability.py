"""The chart's Grafana dashboard and PrometheusRule: rendered when enabled, and every
gitsync metric they query is one that `gitsync serve` exports."""

from __future__ import annotations

import json
import re

from gitsync.metrics import Metrics
from tests.chart.chartrender import REPO, by_kind, needs_helm, render_chart

pytestmark = needs_helm

_METRIC = re.compile(r"\b(gitsync_[a-z_]+?)(?:_bucket|_count|_sum)?\b")


def _exported() -> set[str]:
    metrics = Metrics()
    metrics.set_apps_source(lambda: [{"name": "web", "sync_status": "Synced"}])
    metrics.api_request("in-cluster", "GET", 200, 0.1)
    metrics.git_fetch("https://example.com/r", 0.1, ok=False)
    metrics.observe_sync("web", "Succeeded", 1.0)
    metrics.webhook("github", "accepted", 1)
    text = metrics.exposition().decode()
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}


def _referenced(text: str) -> set[str]:
    return {match.group(1) for match in _METRIC.finditer(text)}


def test_off_by_default() -> None:
    objects = render_chart({"config": {"repo": REPO}})
    assert not by_kind(objects, "PrometheusRule")
    assert not [
        o for o in by_kind(objects, "ConfigMap") if o["metadata"]["name"].endswith("-dashboard")
    ]


def test_dashboard_and_rules_query_exported_metrics() -> None:
    values = {
        "config": {"repo": REPO},
        "metrics": {"dashboard": {"enabled": True}, "prometheusRule": {"enabled": True}},
    }
    objects = render_chart(values)
    (dashboard_cm,) = [
        o for o in by_kind(objects, "ConfigMap") if o["metadata"]["name"].endswith("-dashboard")
    ]
    assert dashboard_cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(dashboard_cm["data"]["gitsync.json"])
    queries = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    (rule,) = by_kind(objects, "PrometheusRule")
    exprs = " ".join(r["expr"] for g in rule["spec"]["groups"] for r in g["rules"])
    exported = _exported()
    for name in _referenced(queries) | _referenced(exprs):
        assert any(e == name or e.startswith(name + "_") for e in exported), name
    alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {"GitsyncAppDegraded", "GitsyncNoLeader"} <= alerts
