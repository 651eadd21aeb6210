"""YAML table cases for the Go template engine: tests/fixtures/gotemplate/*.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.gotemplate.engine import render_text
from gitsync.gotemplate.errors import TemplateError
from gitsync.gotemplate.functions import ARGOCD_FUNCS

TABLES = Path(__file__).resolve().parent.parent / "fixtures" / "gotemplate"

# `.` of every case: the numbers are float64, as ApplicationSet parameters are.
DATA: dict[str, Any] = {
    "name": "Engineering Dev",
    "replicas": 2.0,
    "ratio": 0.5,
    "big": 1234567.0,
    "tags": ["blue", "green"],
    "labels": {"team": "a"},
    "nil": None,
    "nested": {"n": None, "list": [1.0, None, {"k": "v"}]},
}


def load(pattern: str) -> dict[str, list[dict[str, Any]]]:
    table: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(TABLES.glob(pattern)):
        table.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return table


def params(pattern: str) -> list[Any]:
    return [
        pytest.param(case, id=f"{name}[{index}]")
        for name, cases in load(pattern).items()
        for index, case in enumerate(cases)
    ]


def check(case: dict[str, Any]) -> None:
    template = case["t"]
    options = case.get("options", ())
    if "err" in case:
        with pytest.raises(TemplateError) as caught:
            render_text(template, DATA, ARGOCD_FUNCS, options)
        assert case["err"] in str(caught.value)
        assert "\n" not in str(caught.value)
        return
    output = render_text(template, DATA, ARGOCD_FUNCS, options)
    if "match" in case:
        assert re.search(case["match"], output), output
    else:
        assert output == case["out"]
