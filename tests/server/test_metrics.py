"""The metrics registry: app info series, per-cluster API latency, one label value per
repository, work queue figures and the process collectors."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gitsync.controller.workqueue import WorkQueue
from gitsync.metrics import Metrics


def _samples(metrics: Metrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def test_app_info_has_one_series_per_app() -> None:
    metrics = Metrics()
    apps = [
        {"name": "web", "project": "team-a", "destination": "https://kubernetes.default.svc",
         "destination_namespace": "shop", "sync_status": "Synced", "health": "Healthy",
         "repo": "git@github.com:Org/Deploy.git"},
        {"name": "api", "sync_status": "OutOfSync", "health": "Progressing", "repo": ""},
    ]  # fmt: skip
    metrics.set_apps_source(lambda: apps)
    info = {labels["name"]: labels for labels, _ in _samples(metrics)["gitsync_app_info"]}
    assert info["web"] == {
        "name": "web",
        "project": "team-a",
        "dest_server": "https://kubernetes.default.svc",
        "dest_namespace": "shop",
        "sync_status": "Synced",
        "health_status": "Healthy",
        "repo": "github.com/org/deploy",
    }
    assert info["api"]["project"] == "default"


def test_one_label_value_per_repository() -> None:
    metrics = Metrics()
    for spelling in ("/srv/git/deploy", "file:///srv/git/deploy", "/srv/git/./deploy"):
        metrics.git_fetch(spelling, 0.01, ok=True)
    repos = {
        labels["repo"]
        for labels, _ in _samples(metrics)["gitsync_git_request_duration_seconds_count"]
    }
    assert len(repos) == 1


def test_api_requests_by_cluster_verb_and_code_with_latency() -> None:
    metrics = Metrics()
    metrics.api_request("prod", "patch", 200, 0.02)
    metrics.api_request("prod", "patch", 409, 0.01)
    metrics.api_request("staging", "get", 200, 0.5)
    counts = _samples(metrics)["gitsync_kube_api_requests_total"]
    assert ({"cluster": "prod", "verb": "PATCH", "code": "409"}, 1.0) in counts
    latency = _samples(metrics)["gitsync_kube_api_request_duration_seconds_count"]
    assert ({"cluster": "staging", "verb": "GET"}, 1.0) in latency


def test_work_queue_reports_depth_adds_and_latency() -> None:
    metrics = Metrics()
    now = [100.0]
    queue = WorkQueue(clock=lambda: now[0], observer=metrics)
    queue.add("a")
    queue.add("b")
    queue.add("a")  # coalesced: not a second add
    now[0] += 2.0
    assert queue.get(timeout=0) == "a"
    now[0] += 0.5
    queue.done("a")
    found = _samples(metrics)
    assert found["gitsync_workqueue_adds_total"] == [({}, 2.0)]
    assert found["gitsync_workqueue_depth"] == [({}, 1.0)]
    assert found["gitsync_workqueue_queue_duration_seconds_sum"] == [({}, 2.0)]
    assert found["gitsync_workqueue_work_duration_seconds_sum"] == [({}, 0.5)]


def test_leader_and_process_collectors() -> None:
    metrics = Metrics()
    metrics.set_leader(True)
    found = _samples(metrics)
    assert found["gitsync_leader"] == [({}, 1.0)]
    assert "process_resident_memory_bytes" in found
    assert any(name.startswith("python_") for name in found)
