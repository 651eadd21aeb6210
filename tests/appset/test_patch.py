"""templatePatch's strategic merge against the Application's schema, from
tests/fixtures/appset/template_patch.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.appset.patch import strategic_merge

CASES = yaml.safe_load(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "appset" / "template_patch.yaml"
    ).read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_template_patch(name: str) -> None:
    case: dict[str, Any] = CASES[name]
    assert strategic_merge(case["base"], case["patch"]) == case["expected"]
