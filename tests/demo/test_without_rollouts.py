"""The demo still finishes, and says why, on clusters without a Rollout controller."""

from __future__ import annotations

import re

import pytest

from gitsync.demo import DemoOptions, run_demo


def test_demo_finishes_and_explains_without_a_rollout_controller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = run_demo(DemoOptions(color=False, rollout_controller=False, rollout_wait=1.0))
    output = capsys.readouterr().out
    assert status == 0
    assert "no Rollout controller" in output
    first = output[output.index("== The apps come up") : output.index("== Inside each sync")]
    # the web apps (the last wave) started, but the Rollout never became available
    assert re.search(r"web-staging\s+wave\s+2\s+sync started", first)
    assert not re.search(r"web-\w+\s+Synced and Healthy", first)
    assert "stopped waiting for the web apps" in first
    blue_green = output[output.index("== A new web image") : output.index("== Health at the end")]
    assert "note: skipped" in blue_green
    assert "web-staging" not in blue_green  # no second sync of web
    table = output[output.index("== Health at the end") : output.index("== Where to look")]
    rows = [
        row.split()[0] for row in table.splitlines()[2:] if row.startswith("   ") and row[3] != " "
    ]
    assert len(rows) == 8
    for row in table.splitlines():
        if row.strip().startswith(("orders", "billing")):
            assert re.search(r"Synced\s+Succeeded\s+[0-9a-f]{7}\s+Healthy$", row), row
        if row.strip().startswith("web-"):
            # Still syncing and not Healthy. The table is a snapshot: when it is taken right
            # after the wave's objects were applied, the app's last compare may not have
            # seen all of them yet (Missing) instead of the waiting Rollout (Progressing).
            assert re.search(r"Running\s+[0-9a-f]{7}\s+(Progressing|Missing)", row), row
