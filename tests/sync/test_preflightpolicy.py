"""The pre-flight policy: the tables of tests/fixtures/preflight/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.sync.preflightpolicy import (
    Check,
    NamespaceFacts,
    PreflightMode,
    TaskFacts,
    admission_matches,
    admission_rules,
    decide,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "preflight"
CASES = yaml.safe_load((FIXTURES / "cases.yaml").read_text())["cases"]
ADMISSION = yaml.safe_load((FIXTURES / "admission.yaml").read_text())


def _facts(raw: dict[str, Any]) -> TaskFacts:
    fields = dict(raw)
    if "namespace" in fields:
        fields["namespace"] = NamespaceFacts(**fields["namespace"])
    if "admission" in fields:
        fields["admission"] = tuple(fields["admission"])
    return TaskFacts(**fields)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decide(case: dict[str, Any]) -> None:
    mode = PreflightMode(case.get("mode", "schema"))
    decision = decide(_facts(case["facts"]), mode)
    check, reason = case["expect"]
    assert decision.check is Check(check)
    assert reason in decision.reason


@pytest.mark.parametrize(
    "check", ADMISSION["checks"], ids=[str(c["request"]) for c in ADMISSION["checks"]]
)
def test_admission_matches(check: dict[str, Any]) -> None:
    rules = admission_rules(ADMISSION["objects"])
    assert list(admission_matches(rules, **check["request"])) == check["expect"]
