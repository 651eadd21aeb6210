"""Selective sync: `--resource` parsing (tests/fixtures/sync-selection/parse.yaml), the
plan narrowed to the named resources, and operations that run only them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.model.keys import ResourceKey
from gitsync.sync.plan import PlanSettings, build_plan
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.selection import (
    MAX_SELECTED,
    ResourceSelector,
    SelectionError,
    parse_selectors,
    select,
    selectors_from_api,
)
from gitsync.sync.settings import SyncSettings
from gitsync.sync.store import OperationStore
from tests.sync.fakeport import FakePort
from tests.sync.helpers import manifests_of
from tests.sync.test_operation import obj, request, run, tracked

PARSE = yaml.safe_load(
    (Path(__file__).parent.parent / "fixtures" / "sync-selection" / "parse.yaml").read_text()
)


@pytest.mark.parametrize("case", PARSE, ids=[c["text"] for c in PARSE])
def test_resource_option_parses(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(SelectionError) as err:
            ResourceSelector.parse(case["text"])
        assert str(err.value).startswith(case["error"])
        assert "\x1b" not in str(err.value)
        return
    expected = case["selects"]
    assert ResourceSelector.parse(case["text"]) == ResourceSelector(
        expected["kind"], expected["name"], expected["namespace"], expected["group"]
    )


def test_the_api_shape_and_its_bounds() -> None:
    assert selectors_from_api([{"kind": "ConfigMap", "namespace": "web", "name": "a"}]) == (
        ResourceSelector("ConfigMap", "a", "web"),
    )
    exact = {"group": "", "kind": "ConfigMap", "namespace": "web", "name": "a"}
    assert selectors_from_api([exact])[0].group == ""
    for bad, why in [
        ({"kind": "ConfigMap"}, "name '' is not a path segment"),
        ({"kind": "ConfigMap", "name": 3}, "resource name must be a string"),
        ({"kind": "ConfigMap", "name": "a", "uid": "x"}, "unknown resource field"),
        ("ConfigMap/web/a", "each resource must be an object"),
    ]:
        with pytest.raises(SelectionError, match=why):
            selectors_from_api([bad])
    with pytest.raises(SelectionError, match="must be a list"):
        selectors_from_api({"kind": "ConfigMap"})
    with pytest.raises(SelectionError, match=f"at most {MAX_SELECTED}"):
        parse_selectors([f"ConfigMap/web/c{i}" for i in range(MAX_SELECTED + 1)])


def _plan(live: list[dict[str, Any]] | None = None) -> Any:
    docs = [
        obj("Job", "pre", hook="PreSync"),
        obj("ConfigMap", "a", wave=1),
        obj("ConfigMap", "b", wave=0),
        obj("Deployment", "web", wave=0),
        obj("Widget", "web", api="example.com/v1"),
        obj("Widget", "web", api="other.io/v1"),
    ]
    settings = PlanSettings(app="shop", dest_namespace="default", started_at=1)
    return build_plan(manifests_of(docs), settings, live=live or [])


def test_the_plan_keeps_only_the_named_resources_in_wave_order() -> None:
    plan = _plan([tracked("ConfigMap", "old"), tracked("ConfigMap", "older")])
    chosen = select(plan, parse_selectors(["ConfigMap/default/a", "Deployment/default/web"]))
    assert [(t.phase, t.wave, str(t.key)) for t in chosen.tasks] == [
        ("Sync", 0, "Deployment/default/web"),
        ("Sync", 1, "ConfigMap/default/a"),
    ]
    assert chosen.selected == (
        ResourceKey("", "ConfigMap", "default", "a"),
        ResourceKey("apps", "Deployment", "default", "web"),
    )
    assert chosen.desired_count == plan.desired_count  # never "empty" for the prune guard
    assert chosen.fingerprint != plan.fingerprint
    again = select(plan, parse_selectors(["Deployment/default/web", "ConfigMap/default/a"]))
    assert again.fingerprint == chosen.fingerprint  # the order of the names does not count
    extraneous = select(plan, parse_selectors(["ConfigMap/default/old"]))
    assert [(str(t.key), t.prune) for t in extraneous.tasks] == [("ConfigMap/default/old", True)]
    assert select(plan, ()) is plan


def test_names_outside_the_app_or_ambiguous_are_refused() -> None:
    plan = _plan()
    with pytest.raises(SelectionError) as err:
        select(plan, parse_selectors(["ConfigMap/default/a", "ConfigMap/default/nope", "Job/pre"]))
    assert str(err.value) == "not a resource of app shop: ConfigMap/default/nope, Job/pre"
    with pytest.raises(SelectionError, match="not a resource of app shop: Job/default/pre"):
        select(plan, parse_selectors(["Job/default/pre"]))  # a hook is not a resource
    with pytest.raises(SelectionError, match=r"several groups \(example.com, other.io\)"):
        select(plan, parse_selectors(["Widget/default/web"]))
    chosen = select(plan, parse_selectors(["other.io/Widget/default/web"]))
    assert [t.key.group for t in chosen.tasks] == ["other.io"]


def _configmap(name: str, value: str, wave: int = 0) -> dict[str, Any]:
    return {**obj("ConfigMap", name, wave=wave), "data": {"v": value}}


def test_a_selective_sync_writes_only_the_named_objects_and_runs_no_hook() -> None:
    port = FakePort()
    first = [obj("Job", "pre", hook="PreSync"), _configmap("a", "1"), _configmap("b", "1")]
    assert run(port, request(first)).phase == "Succeeded"
    port.writes.clear()
    port.put(tracked("ConfigMap", "old"))
    changed = [obj("Job", "pre", hook="PreSync"), _configmap("a", "2"), _configmap("b", "2", 1)]
    only_b = parse_selectors(["ConfigMap/default/b"])
    state = run(port, request(changed, SyncSettings(wave_delay=0, prune=True), resources=only_b))
    assert state.phase == "Succeeded", state.message
    assert port.resource_writes() == [("apply", "ConfigMap/default/b")]
    assert port.find("ConfigMap", "a")["data"] == {"v": "1"}  # left out of sync
    assert port.find("ConfigMap", "old") is not None  # not named: never pruned
    assert state.message == "successfully synced (partial: ConfigMap/default/b)"
    assert state.public()["selected"] == ["ConfigMap/default/b"]
    assert [r.resource for r in state.ordered_results()] == ["ConfigMap/default/b"]


@pytest.mark.parametrize("prune", [False, True])
def test_a_named_extraneous_object_is_pruned_only_with_prune(prune: bool) -> None:
    port = FakePort()
    port.put(tracked("ConfigMap", "old"))
    port.put(tracked("ConfigMap", "stale"))
    named = parse_selectors(["ConfigMap/default/old"])
    req = request([_configmap("a", "1")], SyncSettings(wave_delay=0, prune=prune), resources=named)
    state = run(port, req)
    assert state.phase == "Succeeded", state.message
    assert (port.find("ConfigMap", "old") is None) is prune
    assert port.find("ConfigMap", "stale") is not None and port.find("ConfigMap", "a") is None
    (old,) = state.ordered_results()
    assert old.result == ("Pruned" if prune else "PruneSkipped")


def test_an_unknown_name_fails_before_anything_is_written() -> None:
    port = FakePort()
    req = request([_configmap("a", "1")], resources=parse_selectors(["ConfigMap/default/z"]))
    with pytest.raises(SelectionError, match="not a resource of app shop: ConfigMap/default/z"):
        SyncRunner(port, OperationStore(port)).begin(req)
    assert port.resource_writes() == []


def test_a_stored_selective_operation_resumes_with_its_selection() -> None:
    port = FakePort()
    port.hold.add("web")  # keeps the first wave waiting, so the operation stays running
    docs = [obj("Deployment", "web", wave=0), _configmap("a", "1", wave=1), _configmap("b", "1")]
    named = parse_selectors(["Deployment/default/web", "ConfigMap/default/a"])
    req = request(docs, resources=named)
    runner = SyncRunner(port, OperationStore(port))
    state = runner.begin(req)
    for _ in range(3):
        state = runner.step(req, state)
    assert state.phase == "Running" and "Deployment/default/web" in state.message

    # A restarted caller asks without a selection (None): the stored one goes on.
    restarted = SyncRunner(port, OperationStore(port))
    resumed = restarted.begin(SyncRequest(**{**req.__dict__, "resources": None}))
    assert resumed.started_at == state.started_at and resumed.results
    port.hold.clear()
    port.apply(port.find("Deployment", "web"))
    while not resumed.terminal:
        resumed = restarted.step(req, resumed)
    assert resumed.phase == "Succeeded", resumed.message
    assert port.find("ConfigMap", "b") is None
    assert port.find("ConfigMap", "a") is not None

    # Asked again for all resources: a new operation, not the partial one.
    full = restarted.begin(SyncRequest(**{**req.__dict__, "resources": ()}))
    assert not full.selected and not full.results
