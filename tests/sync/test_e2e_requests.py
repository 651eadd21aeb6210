"""How many API requests a sync costs, against the embedded API server: live state is read
with one LIST per kind and namespace, every write is dry-run once and applied once, and an
object already as desired is neither dry-run nor written."""

from __future__ import annotations

from pathlib import Path

from gitsync.model.annotations import TRACKING_LABEL
from gitsync.sim import RequestRecord, SimCluster
from gitsync.sync.kubeport import KubePort
from tests.sync.e2e import STATE_NAMESPACE, configmap, sync_in_process, sync_json, write_app

COUNT = 20


def app_requests(sim: SimCluster) -> list[RequestRecord]:
    """Requests about the app's objects: not discovery, not gitsync's own state store."""
    return [
        r
        for r in sim.requests
        if r.kind  # discovery names no kind
        and r.namespace != STATE_NAMESPACE
        and not (r.kind == "Namespace" and r.name == STATE_NAMESPACE)
    ]


def configmaps(folder: Path, count: int = COUNT, value: str = "1") -> Path:
    return write_app(folder, [configmap(f"cm-{i:02d}", {"v": value}) for i in range(count)])


def test_a_fresh_sync_costs_two_requests_per_object(sim: SimCluster, tmp_path: Path) -> None:
    app = configmaps(tmp_path / "many")
    sim.reset_requests()
    code, report = sync_json(sim, app)
    assert code == 0, report
    assert len(sim.list_objects("v1", "ConfigMap", "default")) == COUNT
    requests = app_requests(sim)
    dry_runs = [r for r in requests if r.verb == "patch" and r.dry_run]
    applies = [r for r in requests if r.verb == "patch" and not r.dry_run]
    assert len(dry_runs) == COUNT and len(applies) == COUNT
    assert [r for r in requests if r.verb == "get"] == []  # no GET per object
    # one LIST to plan (tracked objects), one before the dry run, one before the writes
    assert len([r for r in requests if r.verb == "list"]) <= 3
    assert len(requests) <= 2 * COUNT + 3, [(r.verb, r.key) for r in requests]
    everything = [r for r in sim.requests if r.kind]  # the state store included
    assert len(everything) <= 2 * COUNT + 12


def test_a_resync_without_changes_validates_and_writes_nothing(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = configmaps(tmp_path / "many")
    assert sync_in_process(sim, app) == "Succeeded"
    sim.reset_requests()
    code, report = sync_json(sim, app)
    assert code == 0, report
    assert {r["message"] for r in report["resources"]} == {"unchanged"}
    requests = app_requests(sim)
    assert [r for r in requests if r.verb != "list"] == [], [(r.verb, r.key) for r in requests]
    assert len(requests) <= 3


def test_one_changed_object_is_the_only_one_dry_run_and_written(
    sim: SimCluster, tmp_path: Path
) -> None:
    app = configmaps(tmp_path / "many")
    assert sync_in_process(sim, app) == "Succeeded"
    docs = [configmap(f"cm-{i:02d}", {"v": "2" if i == 7 else "1"}) for i in range(COUNT)]
    write_app(app, docs)
    sim.reset_requests()
    code, report = sync_json(sim, app)
    assert code == 0, report
    patches = [(r.key, r.dry_run) for r in app_requests(sim) if r.verb == "patch"]
    assert patches == [("ConfigMap/default/cm-07", True), ("ConfigMap/default/cm-07", False)]
    live = sim.get_object("v1", "ConfigMap", "default", "cm-07")
    assert live is not None and live["data"] == {"v": "2"}


def test_objects_read_by_list_are_told_apart_from_missing_ones(
    sim: SimCluster, tmp_path: Path
) -> None:
    """An object that exists but gitsync never applied is configured, the others created."""
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cm-03", "namespace": "default"},
            "data": {"v": "old"},
        },
        field_manager="kubectl",
    )
    app = configmaps(tmp_path / "many", count=5)
    code, report = sync_json(sim, app)
    assert code == 0, report
    messages = {r["name"]: r["message"] for r in report["resources"]}
    assert messages.pop("cm-03") == "configured"
    assert set(messages.values()) == {"created"}


def test_an_invalid_object_among_many_still_stops_every_write(
    sim: SimCluster, tmp_path: Path
) -> None:
    """The dry run stays: one object the server rejects means nothing is written."""
    app = configmaps(tmp_path / "many")
    sim.faults.add(method="PATCH", kind="ConfigMap", name="cm-11", status=422)
    sim.reset_requests()
    code, report = sync_json(sim, app)
    assert code == 1, report
    assert "ConfigMap/default/cm-11" in report["message"]
    assert sim.list_objects("v1", "ConfigMap", "default") == []
    assert [r for r in app_requests(sim) if r.is_write] == []


def test_list_live_reads_a_bounded_list_then_the_apps_own_objects(sim: SimCluster) -> None:
    """A namespace crowded with other objects of the kind: the plain LIST stops after a few
    items per wanted name, a LIST by the app's tracking label finds what the app applied
    before, and names neither decides are left to GET (never reported as gone)."""
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "crowded"}})
    for i in range(40):
        labels = {TRACKING_LABEL: "mine"} if i == 39 else {}
        sim.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"other-{i:02d}", "namespace": "crowded", "labels": labels},
            }
        )
    port = KubePort.from_kubeconfig(str(sim.kubeconfig), None)
    wanted = ["other-39", "absent"]
    sim.reset_requests()
    plain = port.list_live("v1", "ConfigMap", "crowded", wanted)
    assert "absent" not in plain  # the list was not read to its end: undecided
    lists = [r for r in sim.requests if r.verb == "list"]
    assert len(lists) == 1 and int(lists[0].query["limit"]) <= 8 * len(wanted)
    mine = port.list_live("v1", "ConfigMap", "crowded", wanted, app="mine")
    live = mine["other-39"]
    assert live is not None and live["kind"] == "ConfigMap"
    assert "absent" not in mine
    # a namespace holding just the wanted objects: one LIST decides every name
    sim.reset_requests()
    quiet = port.list_live("v1", "ConfigMap", "default", ["a", "b"])
    assert quiet == {"a": None, "b": None}
    assert [r.verb for r in sim.requests if r.verb] == ["list"]
    assert port.list_live("example.com/v1", "Widget", "default", ["w"]) == {"w": None}
    port.cluster.close()
