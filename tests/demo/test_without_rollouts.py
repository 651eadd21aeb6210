"""The demo still finishes, and says why, on clusters without a Rollout controller."""

from __future__ import annotations

import re

import pytest

from gitsync.demo import DemoOptions, run_demo


def test_demo_finishes_and_explains_without_a_rollout_controller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run_demo(DemoOptions(color=False, rollout_controller=False, rollout_wait=1.5))
    output = capsys.readouterr().out
    assert status == 0
    assert "no Rollout controller" in output
    blue_green = output[output.index("== A new web image") :]
    assert "note: skipped" in blue_green
    assert "== sync web-staging" not in blue_green  # no second sync of web
    table = output[output.index("== Health at the end") :]
    for row in table.splitlines():
        if row.strip().startswith(("orders", "billing")):
            assert re.search(r"Succeeded\s+Healthy$", row), row
        if row.strip().startswith("web-"):
            assert "Progressing" in row, row
