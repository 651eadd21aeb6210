"""The pure core against the YAML fixture cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsync.diff import IgnoreDifferences, diff_objects, live_satisfies, normalize
from gitsync.model.keys import ResourceKey
from tests.diff.fixtures import cases, load


@pytest.mark.parametrize("case", cases("normalize"), ids=lambda p: p.name)
def test_normalize(case: Path) -> None:
    original = load(case, "input")
    before = repr(original)
    assert normalize(original) == load(case, "expected")
    assert repr(original) == before, "normalize must not change its input"


@pytest.mark.parametrize("case", cases("compare"), ids=lambda p: p.name)
def test_compare(case: Path) -> None:
    desired, live, expected = load(case, "desired"), load(case, "live"), load(case, "expected")
    ignore = IgnoreDifferences.from_app_spec(load(case, "ignore"))
    key = ResourceKey.of(desired if desired is not None else live)

    result = diff_objects(desired, live, key, ignore=ignore)

    assert result.status.value == expected["status"]
    if "changedPaths" in expected:
        assert result.changed_paths == expected["changedPaths"]
    for text in expected.get("diffContains", []):
        assert text in result.unified.splitlines(), result.unified
    for text in expected.get("diffExcludes", []):
        assert text not in result.unified
    assert bool(result.unified) == (expected["status"] != "Synced")


@pytest.mark.parametrize("case", cases("satisfies"), ids=lambda p: p.name)
def test_live_satisfies(case: Path) -> None:
    desired, live = load(case, "desired"), load(case, "live")
    assert live_satisfies(desired, live) is load(case, "expected")["satisfied"]
