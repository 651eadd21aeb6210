"""The conditions fallback for custom resources without a check (kstatus conventions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitsync.health import decide
from gitsync.health.conditions import conditions_health, is_custom
from tests.health.fixtures import HealthFixture, read

FIXTURES = [
    read(p)
    for p in sorted((Path(__file__).parents[1] / "fixtures" / "health-conditions").glob("*.yaml"))
]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.path.stem for f in FIXTURES])
def test_fixture(fixture: HealthFixture) -> None:
    found = decide(fixture.obj)
    assert found.source == "conditions"
    assert found.health is not None
    assert found.health.status is fixture.status, found.health.message
    for expected in fixture.messages:
        assert expected in found.health.message


def widget(status: Any = None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "generation": generation},
    }
    if status is not None:
        obj["status"] = status
    return obj


@pytest.mark.parametrize(
    "status",
    [
        None,
        {},
        {"phase": "Running"},
        {"conditions": []},
        {"conditions": [{"type": "Synced", "status": "True"}]},
        {"conditions": "not a list"},
        {"observedGeneration": 1, "conditions": [{"type": "Reconciling", "status": "False"}]},
    ],
)
def test_without_such_status_there_is_no_health(status: Any) -> None:
    assert conditions_health(widget(status)) is None
    assert decide(widget(status)).source == "none"
    assert decide(widget(status)).health is None


def test_generation_behind_needs_an_observed_generation() -> None:
    # Many operators never set observedGeneration: its absence says nothing.
    assert conditions_health(widget({}, generation=7)) is None


def test_core_kinds_never_fall_back() -> None:
    ready = {"conditions": [{"type": "Ready", "status": "False", "reason": "Nope"}]}
    for api_version, kind in [("v1", "ConfigMap"), ("rbac.authorization.k8s.io/v1", "Role")]:
        obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "status": ready}
        assert decide(obj).health is None
        assert decide(obj).source == "none"


def test_custom_groups() -> None:
    assert is_custom("example.com")
    assert is_custom("gateway.networking.k8s.io")  # served by a CRD
    assert not is_custom("")
    assert not is_custom("apps")
    assert not is_custom("networking.k8s.io")
