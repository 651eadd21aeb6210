"""RollingSync step statuses: the table of tests/fixtures/progressive/cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.appset.rollingsync import parse_strategy
from gitsync.controller.ordering import AppState
from gitsync.controller.progressive import RollingApp, step_statuses

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "progressive" / "cases.yaml").read_text()
)["cases"]


def _app(raw: dict[str, Any]) -> RollingApp:
    state = raw.get("state") or {}
    labels = {k: str(v) for k, v in raw.items() if k not in ("name", "state", "starting")}
    return RollingApp(
        name=raw["name"],
        labels=labels,
        state=AppState(
            state.get("sync", "OutOfSync"),
            state.get("health", "Missing"),
            state.get("phase", ""),
            state.get("current", True),
        ),
        starting=bool(raw.get("starting")),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_step_statuses(case: dict[str, Any]) -> None:
    rolling = parse_strategy({"type": "RollingSync", "rollingSync": {"steps": case["steps"]}})
    assert rolling is not None
    got = step_statuses([_app(a) for a in case["apps"]], rolling)
    assert set(got) == {a["name"] for a in case["apps"]}
    for name, expected in case["expect"].items():
        step, status, may_sync, *message = expected
        found = got[name]
        assert (found.step, found.status, found.may_sync) == (step, status, may_sync), name
        if message:
            assert message[0] in found.message, (name, found.message)
        if found.may_sync or status == "Healthy":
            assert "waits" not in found.message
