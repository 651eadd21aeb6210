"""Golden plan order tests (tests/fixtures/sync/<case>) and plan details."""

from __future__ import annotations

import pytest
import yaml

from gitsync.errors import PlanError
from gitsync.model.enums import HookDeletePolicy, SyncPhase
from gitsync.sync.plan import PlanSettings, build_plan, hook_name
from gitsync.sync.tracking import HOOK_FINALIZER, is_tracked_by
from tests.sync.helpers import FIXTURES, fixture_plan, manifests_of, plan_lines

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())


@pytest.mark.parametrize("case", CASES)
def test_golden_order(case: str) -> None:
    expected = yaml.safe_load((FIXTURES / case / "expected.yaml").read_text())
    assert plan_lines(fixture_plan(case)) == expected


def test_all_cases_present() -> None:
    assert {"mixed", "kind_order", "namespace_move", "crd_move", "prune_order"} <= set(CASES)


def test_json_summary_shape_and_policies() -> None:
    plan = fixture_plan("mixed")
    summaries = {(s["phase"], s["name"]): s for s in plan.summaries()}
    migrate = summaries[("PreSync", "migrate")]
    assert migrate == {
        "phase": "PreSync",
        "wave": 0,
        "group": "batch",
        "version": "v1",
        "kind": "Job",
        "namespace": "shop",
        "name": "migrate",
        "hook": True,
        "deletePolicies": ["HookSucceeded"],
    }
    # Helm policies map onto Argo CD's; no policy at all means BeforeHookCreation.
    assert summaries[("PostSync", "seed")]["deletePolicies"] == [
        "BeforeHookCreation",
        "HookSucceeded",
    ]
    assert summaries[("SyncFail", "notify")]["deletePolicies"] == ["BeforeHookCreation"]
    role = summaries[("Sync", "reader")]
    assert role["namespace"] is None and role["hook"] is False and role["deletePolicies"] == []


def test_hook_name_is_deterministic_per_phase_and_start() -> None:
    assert hook_name("smoke-", "0123456789abcdef", SyncPhase.POST_SYNC, 17) == (
        "smoke-0123456-postsync-17"
    )
    assert hook_name("x-", "ABC", SyncPhase.PRE_SYNC, 5) == "x-abc-presync-5"


def test_applied_objects_carry_tracking_and_hooks_a_finalizer() -> None:
    plan = fixture_plan("mixed")
    for task in plan.tasks:
        assert is_tracked_by(task.obj, "shop"), task.id
        assert task.obj["metadata"]["name"] == task.name
        assert "generateName" not in task.obj["metadata"]
        has_finalizer = HOOK_FINALIZER in task.obj["metadata"].get("finalizers", [])
        assert has_finalizer == task.hook
    role = next(t for t in plan.tasks if t.name == "reader")
    assert "namespace" not in role.obj["metadata"]


def test_multi_phase_hook_is_one_task_per_phase() -> None:
    plan = fixture_plan("mixed")
    checks = [t for t in plan.tasks if t.name.startswith("check-")]
    assert [t.phase for t in checks] == [SyncPhase.PRE_SYNC, SyncPhase.POST_SYNC]
    assert len({t.id for t in plan.tasks}) == len(plan.tasks)


def test_skip_is_never_planned_nor_pruned() -> None:
    docs = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "skipped",
                "namespace": "a",
                "annotations": {"argocd.argoproj.io/hook": "Skip"},
            },
        }
    ]
    live = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "skipped",
                "namespace": "a",
                "annotations": {"gitsync.io/tracking-id": "x:/ConfigMap:a/skipped"},
            },
        }
    ]
    plan = build_plan(manifests_of(docs), PlanSettings(app="x"), live=live)
    assert plan.tasks == ()


def test_duplicate_object_is_a_plan_error() -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    with pytest.raises(PlanError, match="ConfigMap/ns/a is defined twice"):
        build_plan(manifests_of([doc, dict(doc)]), PlanSettings(dest_namespace="ns"))


def test_create_namespace_adds_untracked_presync_namespace() -> None:
    from gitsync.model.annotations import SyncOptions

    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    settings = PlanSettings(
        app="x", dest_namespace="fresh", sync_options=SyncOptions.parse(["CreateNamespace=true"])
    )
    plan = build_plan(manifests_of([doc]), settings)
    assert plan_lines(plan) == ["PreSync 0 Namespace/fresh", "Sync 0 ConfigMap/fresh/a"]
    assert plan.tasks[0].track is False
    assert not is_tracked_by(plan.tasks[0].obj, "x")


def test_fingerprint_follows_content_not_time_or_live() -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "1"}}
    one = build_plan(manifests_of([doc]), PlanSettings(app="x", started_at=1))
    two = build_plan(manifests_of([doc]), PlanSettings(app="x", started_at=2))
    changed = dict(doc, data={"k": "2"})
    three = build_plan(manifests_of([changed]), PlanSettings(app="x", started_at=1))
    assert one.fingerprint == two.fingerprint != three.fingerprint


def test_hook_delete_policies_are_kept_on_tasks() -> None:
    plan = fixture_plan("mixed")
    migrate = next(t for t in plan.tasks if t.name == "migrate")
    assert migrate.has_policy(HookDeletePolicy.HOOK_SUCCEEDED)
    assert not migrate.has_policy(HookDeletePolicy.BEFORE_HOOK_CREATION)
