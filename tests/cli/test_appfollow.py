"""The pure core of `gitsync app sync --wait` / `app wait`: which operation is ours, the
progress lines (each change once), the unmet states, and the label selector."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gitsync.cli.app import selected
from gitsync.cli.appfollow import Progress, follow_operation, unmet
from gitsync.cli.controllerapi import ApiError
from gitsync.cli.labelselector import SelectorError

DONE = {"id": 0, "finished_at": 10.0, "phase": "Succeeded"}
NEXT = {"id": 1, "finished_at": 20.0, "phase": "Failed"}


def _op(phase: str, *results: tuple[str, str]) -> dict[str, Any]:
    resources = [
        {"kind": "Deployment", "namespace": "web", "name": name, "phase": "Sync", "wave": 0,
         "result": result, "message": ""}
        for name, result in results
    ]  # fmt: skip
    return {"phase": phase, "revision": "abc", "message": "", "resources": resources}


def test_follows_the_new_operation_and_prints_each_change_once() -> None:
    before = {"history": [DONE], "operation": _op("Succeeded", ("web", "Synced"))}
    views = [
        before,  # not started yet: the old operation is not ours
        {"history": [DONE], "waiting_for": "sync window closed", "operation": None},
        {"history": [DONE], "operation": _op("Running", ("web", "Running"))},
        {"history": [DONE], "operation": _op("Running", ("web", "Running"))},
        {"history": [DONE, NEXT], "operation": _op("Failed", ("web", "SyncFailed"))},
    ]
    lines: list[str] = []
    final = follow_operation(lambda: views.pop(0), before, time.monotonic() + 30, lines.append)
    assert final["phase"] == "Failed"
    assert lines == [
        "waiting for: sync window closed",
        "Sync     wave   0  Deployment/web/web  Running",
        "operation Running",
        "Sync     wave   0  Deployment/web/web  SyncFailed",
        "operation Failed",
    ]


def test_follow_gives_up_at_the_deadline() -> None:
    before = {"history": [DONE]}
    with pytest.raises(ApiError, match="timed out"):
        follow_operation(lambda: before, before, time.monotonic(), lambda _: None)


def test_progress_ignores_results_not_yet_known() -> None:
    progress = Progress()
    assert progress.lines({}, _op("Running", ("web", ""))) == ["operation Running"]


def test_unmet_states() -> None:
    app = {"sync_status": "OutOfSync", "health": "Healthy", "operation": {"phase": "Running"}}
    assert unmet(app, True, True, True) == ["sync status OutOfSync", "an operation running"]
    assert unmet(app, False, True, False) == []


APPS = [
    {"name": "a", "project": "default", "labels": {"team": "web", "env": "prod"}},
    {"name": "b", "project": "default", "labels": {"team": "db"}},
    {"name": "c", "project": "other", "labels": {}},
]


@pytest.mark.parametrize(
    ("selector", "projects", "names"),
    [
        ("team=web", (), ["a"]),
        ("team==web,env", (), ["a"]),
        ("team!=web", (), ["b", "c"]),
        ("team in (web, db)", (), ["a", "b"]),
        ("team notin (web)", ("default",), ["b"]),
        ("!team", (), ["c"]),
        ("", ("other",), ["c"]),
    ],
)
def test_label_selector_and_project(
    selector: str, projects: tuple[str, ...], names: list[str]
) -> None:
    assert [a["name"] for a in selected(APPS, selector, projects)] == names


@pytest.mark.parametrize("bad", ["a=(b", "team in web", "=x", "a b"])
def test_bad_selectors_are_errors(bad: str) -> None:
    with pytest.raises(SelectorError):
        selected(APPS, bad, ())
