"""Sync options resolved once per task into `TaskOptions` (cases in
tests/fixtures/sync-options/cases.yaml), and the plan handing each task its own."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.model.annotations import SyncOptions
from gitsync.model.manifest import Manifest
from gitsync.sync.options import Propagation, PruneMode, TaskOptions
from gitsync.sync.plan import PlanSettings, build_plan

CASES = yaml.safe_load(
    (Path(__file__).parent.parent / "fixtures" / "sync-options" / "cases.yaml").read_text()
)


def _typed(name: str, value: Any) -> Any:
    if name == "prune":
        return PruneMode(value)
    if name == "prune_propagation":
        return Propagation(value)
    return value


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_options_resolve(case: dict[str, Any]) -> None:
    own = SyncOptions.parse([o for o in case["object"].split(",") if o])
    resolved = TaskOptions.of(own.merged_over(SyncOptions.parse(case["app"])))
    defaults = TaskOptions()
    changed = {
        f.name: getattr(resolved, f.name)
        for f in fields(TaskOptions)
        if getattr(resolved, f.name) != getattr(defaults, f.name)
    }
    expected = {k: _typed(k, v) for k, v in case["expect"].items()}
    assert changed == expected


def _configmap(name: str, options: str = "") -> Manifest:
    meta: dict[str, Any] = {"name": name}
    if options:
        meta["annotations"] = {"argocd.argoproj.io/sync-options": options}
    return Manifest.from_object({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta})


def test_the_plan_gives_each_task_its_resolved_options() -> None:
    settings = PlanSettings(
        app="shop",
        dest_namespace="shop",
        sync_options=SyncOptions.parse(["CreateNamespace=true", "Replace=true"]),
    )
    live_old = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "old",
            "namespace": "shop",
            "labels": {"gitsync.io/app": "shop"},
            "annotations": {
                "gitsync.io/tracking-id": "shop:/ConfigMap:shop/old",
                "argocd.argoproj.io/sync-options": "Prune=false",
            },
        },
    }
    plan = build_plan(
        [_configmap("plain"), _configmap("own", "Replace=false,Force=true")],
        settings,
        live=[live_old],
    )
    options = {t.name: t.options for t in plan.tasks}
    assert options["shop"] == TaskOptions(create_namespace=True, replace=True)  # the Namespace
    assert options["plain"] == TaskOptions(create_namespace=True, replace=True)
    assert options["own"] == TaskOptions(create_namespace=True, force=True)
    assert options["old"].prune is PruneMode.DISABLED and options["old"].replace
