"""Built-in checks for operators' custom resources, judged on YAML fixtures.

Fixtures live in tests/fixtures/health/operators/<project>-<kind>/<status>_<case>.yaml
(the same format as the other health fixtures); the directory names the project, so
kinds that several projects share (Cluster, Configuration, Service) stay apart.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from gitsync.health import assess, builtin, check_for, register, unregister
from gitsync.health.operators import CHECKS, crossplane
from gitsync.health.types import healthy
from gitsync.model.enums import HealthStatus
from tests.health.fixtures import FIXTURES, HealthFixture, read

OPERATOR_FIXTURES = [read(p) for p in sorted((FIXTURES / "operators").glob("*/*.yaml"))]

# Every kind of the operators gitsync ships checks for, by fixture directory, with the
# statuses its fixtures must cover (Suspended where the project has a pause or suspend).
_BASIC = {HealthStatus.HEALTHY, HealthStatus.PROGRESSING, HealthStatus.DEGRADED}
_PAUSABLE = _BASIC | {HealthStatus.SUSPENDED}
REQUIRED: dict[str, set[HealthStatus]] = {
    "certmanager-certificate": _BASIC,
    "certmanager-certificaterequest": _BASIC,
    "certmanager-issuer": _BASIC,
    "certmanager-clusterissuer": _BASIC,
    "sealedsecrets-sealedsecret": _BASIC,
    "externalsecrets-externalsecret": _BASIC,
    "externalsecrets-clusterexternalsecret": _BASIC,
    "externalsecrets-secretstore": _BASIC,
    "externalsecrets-clustersecretstore": _BASIC,
    "externalsecrets-pushsecret": _BASIC,
    "keda-scaledobject": _PAUSABLE,
    "keda-scaledjob": _PAUSABLE,
    "flux-helmrelease": _PAUSABLE,
    "flux-kustomization": _PAUSABLE,
    "flux-gitrepository": _PAUSABLE,
    "flux-helmrepository": _PAUSABLE,
    "flux-ocirepository": _PAUSABLE,
    "flux-bucket": _PAUSABLE,
    "flux-imagerepository": _PAUSABLE,
    "flux-imagepolicy": _BASIC,
    "crossplane-provider": _BASIC,
    "crossplane-configuration": _BASIC,
    "crossplane-compositeresourcedefinition": {HealthStatus.HEALTHY, HealthStatus.PROGRESSING},
    "crossplane-bucket": _PAUSABLE,
    "crossplane-object": _BASIC,
    "crossplane-providerconfig": {HealthStatus.HEALTHY},
    "crossplane-xcluster": _BASIC,
    "crossplane-cluster": _BASIC,
    "argoworkflows-workflow": _PAUSABLE,
    "argoworkflows-cronworkflow": {HealthStatus.HEALTHY, HealthStatus.DEGRADED, HealthStatus.SUSPENDED},
    "knative-service": _BASIC,
    "knative-route": _BASIC,
    "knative-configuration": _BASIC,
    "knative-revision": _BASIC,
}


@pytest.mark.parametrize("fixture", OPERATOR_FIXTURES, ids=[f.id for f in OPERATOR_FIXTURES])
def test_operator_fixture_health(fixture: HealthFixture) -> None:
    project, _, kind = fixture.path.parent.name.partition("-")
    assert fixture.obj["kind"].lower() == kind, "directory is <project>-<kind>"
    health = assess(fixture.obj)
    assert health is not None, f"{project} {fixture.obj['kind']} has a built-in check"
    assert health.status is fixture.status, health.message
    for expected in fixture.messages:
        assert expected in health.message


def test_every_kind_has_fixtures_for_its_statuses() -> None:
    seen: dict[str, set[HealthStatus]] = defaultdict(set)
    for fixture in OPERATOR_FIXTURES:
        seen[fixture.path.parent.name].add(fixture.status)
    missing = {
        name: sorted(wanted - seen.get(name, set())) for name, wanted in REQUIRED.items()
    }
    assert {name: gaps for name, gaps in missing.items() if gaps} == {}
    assert set(seen) <= set(REQUIRED), "a fixture directory REQUIRED does not list"
