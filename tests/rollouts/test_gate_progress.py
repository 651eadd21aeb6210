"""The pause gate in `task_progress`, on Rollout states from a YAML fixture."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.health import assess
from gitsync.model.annotations import SYNC_GATE, SyncOptions
from gitsync.model.enums import HealthStatus, SyncPhase
from gitsync.model.keys import ResourceKey
from gitsync.sync.options import TaskOptions
from gitsync.sync.progress import task_progress
from gitsync.sync.task import Task, TaskType

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "gate_cases.yaml").read_text())[
    "cases"
]


def _live(case: dict[str, Any], annotated: bool) -> dict[str, Any]:
    live = copy.deepcopy(case["rollout"])
    live["status"] = copy.deepcopy(case["status"])
    if annotated:
        live["metadata"]["annotations"] = {SYNC_GATE: "pause"}
    return live


NO_OPTIONS = SyncOptions()


def _task(options: SyncOptions = NO_OPTIONS, hook: bool = False) -> Task:
    return Task(
        type=TaskType.HOOK if hook else TaskType.APPLY,
        phase=SyncPhase.SYNC,
        wave=0,
        key=ResourceKey("argoproj.io", "Rollout", "default", "web"),
        api_version="argoproj.io/v1alpha1",
        obj={},
        options=TaskOptions.of(options),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_annotation_gate(case: dict[str, Any]) -> None:
    assert str(task_progress(_task(), _live(case, annotated=True)).status) == case["gated"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_app_sync_option_gate(case: dict[str, Any]) -> None:
    options = SyncOptions.parse(["RolloutSyncGate=pause"])
    progress = task_progress(_task(options), _live(case, annotated=False))
    assert str(progress.status) == case["gated"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_without_opt_in_nothing_changes(case: dict[str, Any]) -> None:
    assert str(task_progress(_task(), _live(case, annotated=False)).status) == case["ungated"]


def test_gate_leaves_health_progressing() -> None:
    live = _live(CASES[0], annotated=True)
    progress = task_progress(_task(), live)
    assert str(progress.status) == "Succeeded"
    assert "BlueGreenPause" in progress.message
    health = assess(live)
    assert health is not None and health.status is HealthStatus.PROGRESSING


def test_other_gate_values_and_hooks_do_not_open_it() -> None:
    live = _live(CASES[0], annotated=False)
    live["metadata"]["annotations"] = {SYNC_GATE: "none"}
    assert str(task_progress(_task(), live).status) == "Running"
    hooked = _live(CASES[0], annotated=True)
    assert str(task_progress(_task(hook=True), hooked).status) == "Running"
