"""Application health from (desired, live) pairs."""

from __future__ import annotations

import copy
from typing import Any

from gitsync.health import aggregate
from gitsync.model.enums import HealthStatus
from gitsync.model.manifest import Manifest
from tests.health.fixtures import load

HEALTHY_DEPLOYMENT = "deployment/healthy_all_replicas_available"
DEGRADED_DEPLOYMENT = "deployment/degraded_progress_deadline_exceeded"
PROGRESSING_DEPLOYMENT = "deployment/progressing_updated_not_available"
FAILED_JOB = "job/degraded_backoff_limit"


def _desired(live: dict[str, Any], annotations: dict[str, str] | None = None) -> Manifest:
    obj = {
        "apiVersion": live["apiVersion"],
        "kind": live["kind"],
        "metadata": {
            "name": live["metadata"]["name"],
            "namespace": live["metadata"].get("namespace", ""),
            "annotations": annotations or {},
        },
    }
    return Manifest.from_object(obj, "app.yaml")


def _pair(fixture: str, annotations: dict[str, str] | None = None) -> tuple[Manifest, Any]:
    live = load(fixture)
    return _desired(live, annotations), live


def test_no_items_is_missing() -> None:
    assert aggregate([]).status is HealthStatus.MISSING


def test_all_absent_is_missing() -> None:
    desired, _ = _pair(HEALTHY_DEPLOYMENT)
    health = aggregate([(desired, None)])
    assert health.status is HealthStatus.MISSING
    assert "Deployment/prod/web" in health.message


def test_one_absent_among_healthy_is_missing() -> None:
    absent, _ = _pair(PROGRESSING_DEPLOYMENT)
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), (absent, None)]).status is HealthStatus.MISSING


def test_worst_wins_and_names_the_resource() -> None:
    health = aggregate(
        [_pair(HEALTHY_DEPLOYMENT), _pair(DEGRADED_DEPLOYMENT), _pair(PROGRESSING_DEPLOYMENT)]
    )
    assert health.status is HealthStatus.DEGRADED
    assert health.message.startswith("Deployment/jobs/worker: ")
    assert "progress deadline" in health.message


def test_progressing_beats_healthy() -> None:
    health = aggregate([_pair(HEALTHY_DEPLOYMENT), _pair(PROGRESSING_DEPLOYMENT)])
    assert health.status is HealthStatus.PROGRESSING


def test_all_healthy_is_healthy() -> None:
    assert aggregate([_pair(HEALTHY_DEPLOYMENT)]).status is HealthStatus.HEALTHY


def test_hook_is_skipped_via_desired_annotations() -> None:
    hook = _pair(FAILED_JOB, {"argocd.argoproj.io/hook": "PostSync"})
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), hook]).status is HealthStatus.HEALTHY


def test_hook_is_skipped_via_live_annotations() -> None:
    live = copy.deepcopy(load(FAILED_JOB))
    live["metadata"]["annotations"] = {"helm.sh/hook": "post-install"}
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), (None, live)]).status is HealthStatus.HEALTHY


def test_missing_hook_does_not_make_the_app_missing() -> None:
    desired, _ = _pair(FAILED_JOB, {"argocd.argoproj.io/hook": "PreSync"})
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), (desired, None)]).status is HealthStatus.HEALTHY


def test_ignore_healthcheck_is_skipped() -> None:
    ignored = _pair(DEGRADED_DEPLOYMENT, {"argocd.argoproj.io/ignore-healthcheck": "true"})
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), ignored]).status is HealthStatus.HEALTHY


def test_ignore_healthcheck_must_be_true() -> None:
    counted = _pair(DEGRADED_DEPLOYMENT, {"argocd.argoproj.io/ignore-healthcheck": "false"})
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), counted]).status is HealthStatus.DEGRADED


def test_ignore_healthcheck_on_live_object_only() -> None:
    live = copy.deepcopy(load(DEGRADED_DEPLOYMENT))
    live["metadata"]["annotations"] = {"argocd.argoproj.io/ignore-healthcheck": "true"}
    assert aggregate([_pair(HEALTHY_DEPLOYMENT), (None, live)]).status is HealthStatus.HEALTHY


def test_kinds_without_check_neither_help_nor_hurt() -> None:
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}}
    assert aggregate([(None, config)]).status is HealthStatus.HEALTHY
    with_progressing = [(None, config), _pair(PROGRESSING_DEPLOYMENT)]
    assert aggregate(with_progressing).status is HealthStatus.PROGRESSING


def test_unknown_is_worst() -> None:
    inconclusive = _pair("analysisrun/unknown_inconclusive")
    health = aggregate([_pair(DEGRADED_DEPLOYMENT), inconclusive])
    assert health.status is HealthStatus.UNKNOWN


def test_paused_rollout_keeps_app_progressing_not_suspended() -> None:
    paused = _pair("rollout/progressing_paused_bluegreen")
    health = aggregate([_pair(HEALTHY_DEPLOYMENT), paused])
    assert health.status is HealthStatus.PROGRESSING
    assert "BlueGreenPause" in health.message


def test_accepts_a_generator() -> None:
    pairs = (_pair(name) for name in (HEALTHY_DEPLOYMENT, DEGRADED_DEPLOYMENT))
    assert aggregate(pairs).status is HealthStatus.DEGRADED
