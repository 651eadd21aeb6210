"""Shared helpers of the sync tests: fixture loading and plan summaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.model.annotations import SyncOptions
from gitsync.model.manifest import Manifest
from gitsync.sync.plan import Plan, PlanSettings, build_plan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sync"


def load_docs(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader) if d]


def manifests_of(docs: list[dict[str, Any]]) -> list[Manifest]:
    return [Manifest.from_object(d, f"doc#{i}") for i, d in enumerate(docs)]


def fixture_plan(case: str) -> Plan:
    folder = FIXTURES / case
    raw = (
        yaml.safe_load((folder / "settings.yaml").read_text())
        if (folder / "settings.yaml").exists()
        else {}
    )
    settings = PlanSettings(
        app=str(raw.get("app", case)),
        revision=str(raw.get("revision", "")),
        started_at=int(raw.get("started_at", 0)),
        dest_namespace=str(raw.get("dest_namespace", "")),
        sync_options=SyncOptions.parse(list(raw.get("sync_options", []))),
    )
    manifests = manifests_of(load_docs(folder / "manifests.yaml"))
    return build_plan(manifests, settings, live=load_docs(folder / "live.yaml"))


def plan_lines(plan: Plan) -> list[str]:
    """``<phase> <wave> <Kind/ns/name>[ hook| prune]`` per task, in execution order."""
    out = []
    for task in plan.tasks:
        suffix = " hook" if task.hook else (" prune" if task.prune else "")
        out.append(f"{task.phase} {task.wave} {task.key}{suffix}")
    return out
