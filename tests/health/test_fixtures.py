"""Every fixture under tests/fixtures/health is judged as its file name says."""

from __future__ import annotations

from collections import Counter

import pytest

from gitsync.health import assess
from tests.health.fixtures import HealthFixture, all_fixtures

FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_health(fixture: HealthFixture) -> None:
    assert fixture.obj["kind"].lower() == fixture.path.parent.name
    health = assess(fixture.obj)
    assert health is not None, "every fixture kind has a health check"
    assert health.status is fixture.status, health.message
    for expected in fixture.messages:
        assert expected in health.message


def test_fixture_coverage() -> None:
    per_kind = Counter(f.path.parent.name for f in FIXTURES)
    kinds = {
        "deployment",
        "statefulset",
        "daemonset",
        "replicaset",
        "pod",
        "job",
        "service",
        "ingress",
        "persistentvolumeclaim",
        "horizontalpodautoscaler",
        "apiservice",
        "rollout",
        "analysisrun",
    }
    assert set(per_kind) == kinds
    assert all(count >= 3 for count in per_kind.values()), per_kind
    assert per_kind["rollout"] >= 12
