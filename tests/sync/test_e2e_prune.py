"""Prune end to end: `gitsync sync [--prune]` as a subprocess against the embedded API
server, after objects left Git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitsync.model.annotations import TRACKING_ANNOTATION as TRACKING
from gitsync.sim import SimCluster
from tests.sync.e2e import (
    SYNC_OPTIONS,
    app_writes,
    configmap,
    deployment,
    sync_in_process,
    sync_json,
    write_app,
)


def result_of(report: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    found = [r for r in report["resources"] if (r["kind"], r["name"]) == (kind, name)]
    assert len(found) == 1, report["resources"]
    return found[0]


def web_exists(sim: SimCluster) -> bool:
    return sim.get_object("apps/v1", "Deployment", "default", "web") is not None


def deployed(sim: SimCluster, app: Path, web: dict[str, Any] | None = None) -> None:
    """Sync settings + web, then take web out of Git (the only Deployment left)."""
    write_app(app, [configmap("settings"), web or deployment("web")])
    assert sync_in_process(sim, app) == "Succeeded"
    assert web_exists(sim)
    write_app(app, [configmap("settings")])
    sim.reset_requests()


def test_prune_deletes_what_left_git(sim: SimCluster, tmp_path: Path) -> None:
    app = tmp_path / "shop"
    deployed(sim, app)
    code, report = sync_json(sim, app, "--prune")
    assert code == 0, report
    assert not web_exists(sim)
    assert result_of(report, "Deployment", "web")["result"] == "Pruned"
    assert [(r.verb, r.key) for r in app_writes(sim)] == [("delete", "Deployment/default/web")]


def test_without_prune_it_is_reported_and_kept(sim: SimCluster, tmp_path: Path) -> None:
    app = tmp_path / "shop"
    deployed(sim, app)
    code, report = sync_json(sim, app)
    assert code == 0, report
    assert web_exists(sim)
    web = result_of(report, "Deployment", "web")
    assert web["result"] == "PruneSkipped"
    assert "requires pruning" in web["message"]
    assert app_writes(sim) == []


def test_prune_false_is_never_pruned(sim: SimCluster, tmp_path: Path) -> None:
    app = tmp_path / "shop"
    deployed(sim, app, deployment("web", ann={SYNC_OPTIONS: "Prune=false"}))
    code, report = sync_json(sim, app, "--prune")
    assert code == 0, report
    assert web_exists(sim)
    assert result_of(report, "Deployment", "web")["result"] == "PruneSkipped"
    assert app_writes(sim) == []


def test_label_without_this_apps_annotation_is_never_deleted(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = tmp_path / "shop"
    deployed(sim, app)
    foreign = {
        # labelled for the app but never annotated by it
        "labelled": {},
        # an annotation copied from another object does not name this one
        "copied": {TRACKING: "shop:apps/Deployment:default/web"},
        # another app's object carrying this app's label
        "other": {TRACKING: "other:apps/Deployment:default/other"},
    }
    for name, marks in foreign.items():
        body = deployment(name)
        body["metadata"].update(
            namespace="default", labels={"gitsync.io/app": "shop"}, annotations=marks
        )
        sim.apply(body, field_manager="kubectl")
    sim.reset_requests()
    code, report = sync_json(sim, app, "--prune")
    assert code == 0, report
    assert [(r.verb, r.key) for r in app_writes(sim)] == [("delete", "Deployment/default/web")]
    for name in ("labelled", "copied", "other"):
        assert sim.get_object("apps/v1", "Deployment", "default", name) is not None, name
        assert all(r["name"] != name for r in report["resources"])


def test_empty_render_never_prunes_without_allow_empty(sim: SimCluster, tmp_path: Path) -> None:
    app = tmp_path / "shop"
    deployed(sim, app)
    (app / "manifests.yaml").write_text("")
    code, report = sync_json(sim, app, "--prune")
    assert code == 1, report
    assert "allowEmpty" in report["message"]
    assert app_writes(sim) == []
    assert web_exists(sim)
    assert sim.get_object("v1", "ConfigMap", "default", "settings") is not None

    code, report = sync_json(sim, app, "--prune", "--allow-empty")
    assert code == 0, report
    assert not web_exists(sim)
    assert sim.get_object("v1", "ConfigMap", "default", "settings") is None
