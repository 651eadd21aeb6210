"""The emulator's own label selector parser, case by case from a YAML table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.sim.labelselector import SelectorSyntaxError, parse

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent.parent / "fixtures" / "sim" / "label_selectors.yaml").read_text()
)


@pytest.mark.parametrize("case", CASES, ids=[repr(c["selector"]) for c in CASES])
def test_selector_case(case: dict[str, Any]) -> None:
    if case.get("invalid"):
        with pytest.raises(SelectorSyntaxError):
            parse(case["selector"])
        return
    test = parse(case["selector"])
    for labels in case["match"]:
        assert test(labels), labels
    for labels in case["miss"]:
        assert not test(labels), labels
