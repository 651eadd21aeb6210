"""requeueAfterSeconds: which interval an ApplicationSet asks for, and the timer that
turns it into re-expansions."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.appset.requeue import requeue_after
from gitsync.controller.appsetenv import RequeueTimer
from gitsync.model import ApplicationSet


def _appset(*generators: dict[str, Any]) -> ApplicationSet:
    return ApplicationSet.from_object(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "a"},
            "spec": {"generators": list(generators), "template": {"metadata": {}, "spec": {}}},
        }
    )


@pytest.mark.parametrize(
    ("generators", "seconds"),
    [
        ([{"list": {"elements": []}}], None),
        ([{"clusters": {}}], None),
        ([{"plugin": {}}], 1800.0),
        ([{"pullRequest": {"requeueAfterSeconds": 45}}], 45.0),
        ([{"clusterDecisionResource": {}}, {"plugin": {"requeueAfterSeconds": 600}}], 180.0),
        ([{"git": {"requeueAfterSeconds": 0}}], 180.0),
        (
            [
                {
                    "matrix": {
                        "generators": [{"list": {}}, {"pullRequest": {"requeueAfterSeconds": 20}}]
                    }
                }
            ],
            20.0,
        ),
        ([{"plugin": {"requeueAfterSeconds": 0.01}}], 1.0),
    ],
)
def test_shortest_interval(generators: list[dict[str, Any]], seconds: float | None) -> None:
    assert requeue_after(_appset(*generators)) == seconds


def test_timer_keeps_the_earliest_wake_up_and_fires_once() -> None:
    now = [100.0]
    scheduled: list[float] = []
    timer = RequeueTimer(scheduled.append, clock=lambda: now[0])
    timer.plan(30)
    timer.plan(60)  # a later wish while an earlier one is pending: nothing new
    timer.plan(10)  # an earlier one: scheduled too
    assert scheduled == [30, 10]
    assert not timer.take()  # a stale wake-up before it is due
    now[0] = 110.0
    assert timer.take()
    assert not timer.take()  # the 30 s wake-up finds nothing due
    timer.plan(None)
    now[0] = 1000.0
    assert not timer.take()
