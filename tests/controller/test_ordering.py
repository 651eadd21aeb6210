"""Ordering between Applications: table tests written as YAML."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitsync.controller.ordering import (
    AppState,
    OrderedApp,
    StaticOrder,
    decide,
    decide_one,
    parse_depends_on,
    parse_wave,
    sibling_group,
)

READY = {"sync": "Synced", "health": "Healthy"}

CASES = yaml.safe_load(
    """
- name: lowest wave goes first, higher waves wait for the lower ones
  apps:
    - {name: db, group: g, wave: -1}
    - {name: api, group: g, wave: 0}
    - {name: web, group: g, wave: 1}
  expect:
    db: ""
    api: "wave -1 app db (OutOfSync, Missing)"
    web: "wave -1 app db (OutOfSync, Missing)"
- name: a wave opens when every lower sibling is Synced and Healthy
  apps:
    - {name: db, group: g, wave: -1, sync: Synced, health: Healthy}
    - {name: api, group: g, wave: 0, sync: Synced, health: Progressing}
    - {name: web, group: g, wave: 1}
  expect:
    db: ""
    api: ""
    web: "wave 0 app api (Synced, Progressing)"
- name: a running operation is not ready yet
  apps:
    - {name: db, group: g, wave: 0, sync: Synced, health: Healthy, phase: Running}
    - {name: api, group: g, wave: 1}
  expect:
    api: "wave 0 app db (Synced, Healthy, sync running)"
- name: waves only order siblings
  apps:
    - {name: a, group: g1, wave: 5}
    - {name: b, group: g2, wave: 0}
  expect: {a: "", b: ""}
- name: depends-on waits anywhere
  apps:
    - {name: a, group: g1, depends_on: [b]}
    - {name: b, group: g2, sync: Synced, health: Progressing}
  expect:
    a: "dependency b (Synced, Progressing)"
    b: ""
- name: depends-on satisfied
  apps:
    - {name: a, group: g1, depends_on: [b]}
    - {name: b, group: g2, sync: Synced, health: Healthy}
  expect: {a: "", b: ""}
- name: missing dependency
  apps:
    - {name: a, group: g, depends_on: [x]}
  expect: {a: "depends on missing app x"}
  blocked: [a]
- name: two-app cycle names the cycle from each side
  apps:
    - {name: a, group: g, depends_on: [b]}
    - {name: b, group: g, depends_on: [a]}
    - {name: c, group: h, depends_on: [a]}
  expect:
    a: "dependency cycle: a -> b -> a"
    b: "dependency cycle: b -> a -> b"
    c: "dependency a is in a cycle: a -> b -> a"
  blocked: [a, b, c]
- name: self dependency
  apps:
    - {name: a, group: g, depends_on: [a]}
  expect: {a: "dependency cycle: a -> a"}
- name: a cycle through a wave edge
  apps:
    - {name: db, group: g, wave: 0, depends_on: [web]}
    - {name: web, group: g, wave: 1}
  expect:
    db: "dependency cycle: db -> web -> db"
    web: "dependency cycle: web -> db -> web"
- name: degraded dependency blocks
  apps:
    - {name: a, group: g1, depends_on: [y]}
    - {name: y, group: g2, sync: Synced, health: Degraded}
  expect: {a: "dependency y is Degraded", y: ""}
  blocked: [a]
- name: failed sync of a dependency blocks
  apps:
    - {name: a, group: g1, depends_on: [y]}
    - {name: y, group: g2, sync: OutOfSync, health: Missing, phase: Failed}
  expect: {a: "dependency y sync Failed"}
  blocked: [a]
- name: degraded lower wave blocks the higher waves
  apps:
    - {name: db, group: g, wave: 0, sync: Synced, health: Degraded}
    - {name: api, group: g, wave: 1}
  expect: {db: "", api: "wave 0 app db is Degraded"}
  blocked: [api]
- name: chain across two ApplicationSets
  apps:
    - {name: db-a, group: "appset:one", wave: 0, sync: Synced, health: Healthy}
    - {name: api-a, group: "appset:one", wave: 1, sync: Synced, health: Healthy}
    - {name: web-b, group: "appset:two", wave: 0, depends_on: [api-a, db-a]}
    - {name: edge-b, group: "appset:two", wave: 1}
  expect:
    web-b: ""
    edge-b: "wave 0 app web-b (OutOfSync, Missing)"
"""
)


def _app(raw: dict[str, Any]) -> OrderedApp:
    return OrderedApp(
        name=raw["name"],
        group=raw["group"],
        wave=int(raw.get("wave", 0)),
        depends_on=tuple(raw.get("depends_on", ())),
        state=AppState(
            sync_status=raw.get("sync", "OutOfSync"),
            health=raw.get("health", "Missing"),
            operation_phase=raw.get("phase", ""),
        ),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decide(case: dict[str, Any]) -> None:
    gates = decide([_app(a) for a in case["apps"]])
    assert {n: gates[n].waiting_for for n in case["expect"]} == case["expect"]
    for name, gate in gates.items():
        assert gate.open == (gate.waiting_for == "")
        if "blocked" in case:
            assert gate.blocked == (name in case["blocked"]), name
    apps = [_app(a) for a in case["apps"]]
    assert {n: decide_one(n, apps) for n in gates} == gates  # one app at a time agrees


def test_annotations() -> None:
    assert parse_wave({"argocd.argoproj.io/sync-wave": " -2 "}) == -2
    assert parse_wave({"argocd.argoproj.io/sync-wave": "soon"}) == 0
    assert parse_wave({}) == 0
    assert parse_depends_on({"gitsync.io/depends-on": " a, b,,a "}) == ("a", "b")
    assert parse_depends_on({}) == ()
    assert sibling_group({}, "set", "root/x.yaml") == "appset:set"
    assert sibling_group({"gitsync.io/appset": "s"}, "", "root/x.yaml") == "appset:s"
    assert sibling_group({}, "", "root/apps/x.yaml#2") == "dir:root/apps"


def test_a_repaired_failed_dependency_no_longer_blocks() -> None:
    state = AppState("Synced", "Healthy", "Failed")
    assert state.ready and state.failure == ""


def test_a_dependency_not_yet_compared_at_the_new_revision_is_not_ready() -> None:
    stale = AppState("Synced", "Healthy", "Succeeded", current=False)
    gates = decide(
        [
            OrderedApp("db", "g", state=stale),
            OrderedApp("api", "g", wave=1),
            OrderedApp("web", "h", depends_on=("db",)),
        ]
    )
    expected = "(Synced, Healthy, not yet compared at the new revision)"
    assert gates["api"].waiting_for == f"wave 0 app db {expected}"
    assert gates["web"].waiting_for == f"dependency db {expected}"
    assert not gates["web"].blocked
    degraded_but_stale = AppState("Synced", "Degraded", current=False)
    assert degraded_but_stale.failure == ""


def test_the_static_order_knows_which_apps_wait_on_no_other() -> None:
    order = StaticOrder(
        [
            OrderedApp("base", group="g", wave=0),
            OrderedApp("same-wave", group="g", wave=0),
            OrderedApp("later", group="g", wave=1),
            OrderedApp("alone", group="h", wave=5),
            OrderedApp("needs", group="i", depends_on=("alone",)),
            OrderedApp("a", group="j", depends_on=("b",)),
            OrderedApp("b", group="k", depends_on=("a",)),
        ]
    )
    free = {n for n in ("base", "same-wave", "later", "alone", "needs", "a", "b") if order.free(n)}
    assert free == {"base", "same-wave", "alone"}
    assert order.free("not-an-app")
