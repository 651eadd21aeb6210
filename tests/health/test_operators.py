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
    "argoworkflows-cronworkflow": {
        HealthStatus.HEALTHY,
        HealthStatus.DEGRADED,
        HealthStatus.SUSPENDED,
    },
    "knative-service": _BASIC,
    "knative-route": _BASIC,
    "knative-configuration": _BASIC,
    "knative-revision": _BASIC,
    "prometheus-prometheus": _PAUSABLE,
    "prometheus-alertmanager": _PAUSABLE,
    "cloudnativepg-cluster": _PAUSABLE,
    "clusterapi-cluster": _PAUSABLE,
    "clusterapi-machine": _PAUSABLE,
    "clusterapi-machinedeployment": _PAUSABLE,
    "strimzi-kafka": _PAUSABLE,
    "strimzi-kafkatopic": _PAUSABLE,
    "strimzi-kafkauser": _PAUSABLE,
    "strimzi-kafkaconnect": _PAUSABLE,
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
    missing = {name: sorted(wanted - seen.get(name, set())) for name, wanted in REQUIRED.items()}
    assert {name: gaps for name, gaps in missing.items() if gaps} == {}
    assert set(seen) <= set(REQUIRED), "a fixture directory REQUIRED does not list"


# Kinds with a check but no fixture of their own: they share a tested check with a
# fixture-covered kind (packages' revisions and Functions use the Provider check).
_COVERED_BY_SIBLING = {
    ("pkg.crossplane.io", "Function"),
    ("pkg.crossplane.io", "ProviderRevision"),
    ("pkg.crossplane.io", "ConfigurationRevision"),
    ("pkg.crossplane.io", "FunctionRevision"),
}


def _group(obj: dict[str, Any]) -> str:
    api_version = str(obj["apiVersion"])
    return api_version.rpartition("/")[0]


def test_every_operator_check_is_exercised_by_a_fixture() -> None:
    covered = {(_group(f.obj), f.obj["kind"]) for f in OPERATOR_FIXTURES}
    assert set(CHECKS) - covered == _COVERED_BY_SIBLING


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("ec2.aws.upbound.io", "Instance"),
        ("kubernetes.crossplane.io", "Object"),
        ("helm.crossplane.io", "Release"),
        ("aws.platform.upbound.io", "XNetwork"),
    ],
)
def test_crossplane_provider_groups_match_any_kind(group: str, kind: str) -> None:
    assert builtin.lookup(group, kind) is crossplane.resource
    assert check_for(group, kind) is crossplane.resource


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("example.org", "XPostgreSQLInstance"),  # a user's XRD group: register it yourself
        ("crossplane.io.example.com", "Bucket"),  # only a suffix counts
        ("upbound.io", "Thing"),  # the bare domain is no provider group
        ("mycompany.com", "Widget"),
    ],
)
def test_other_groups_have_no_builtin_check(group: str, kind: str) -> None:
    assert builtin.lookup(group, kind) is None


def test_exact_entries_win_over_the_crossplane_matcher() -> None:
    assert builtin.lookup("pkg.crossplane.io", "Provider") is crossplane.package
    assert builtin.lookup("apiextensions.crossplane.io", "CompositeResourceDefinition") is (
        crossplane.definition
    )


def test_builtin_kinds_of_kubernetes_are_still_there() -> None:
    assert builtin.lookup("apps", "Deployment") is builtin.CHECKS[("apps", "Deployment")]
    assert builtin.lookup("argoproj.io", "Rollout") is builtin.CHECKS[("argoproj.io", "Rollout")]


def test_a_registered_check_overrides_a_matched_builtin() -> None:
    register("s3.aws.upbound.io", "Bucket", lambda obj: healthy("mine"))
    try:
        bucket = {"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket", "metadata": {}}
        assert assess(bucket) == healthy("mine")
    finally:
        unregister("s3.aws.upbound.io", "Bucket")
    assert check_for("s3.aws.upbound.io", "Bucket") is crossplane.resource


def test_registering_the_crossplane_check_for_a_users_composite_group() -> None:
    register("example.org", "XPostgreSQLInstance", crossplane.resource)
    try:
        composite = {
            "apiVersion": "example.org/v1alpha1",
            "kind": "XPostgreSQLInstance",
            "metadata": {"name": "db"},
            "status": {
                "conditions": [
                    {"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
                    {"type": "Ready", "status": "True", "reason": "Available"},
                ]
            },
        }
        health = assess(composite)
        assert health is not None and health.status is HealthStatus.HEALTHY
    finally:
        unregister("example.org", "XPostgreSQLInstance")


# Live objects can be anything: a check must give a Health, never raise.
_MALFORMED: list[dict[str, Any]] = [
    {},
    {"metadata": None, "spec": None, "status": None},
    {"status": "pending"},
    {"status": {"conditions": "Ready"}},
    {
        "metadata": {"generation": "two", "annotations": ["paused"]},
        "spec": {"suspend": "yes", "paused": 1, "replicas": "three"},
        "status": {
            "conditions": [1, None, "Ready", {"type": 3, "status": True, "reason": []}],
            "observedGeneration": {"x": 1},
            "phase": 7,
            "nodes": ["a", None],
            "failedNamespaces": [None, "default"],
            "syncedResourceVersion": "x-y",
        },
    },
    {
        "metadata": {"generation": 5, "annotations": {"autoscaling.keda.sh/paused": None}},
        "status": {"conditions": [{"type": "Ready", "observedGeneration": "4"}], "nodes": {}},
    },
]


@pytest.mark.parametrize("key", sorted(CHECKS), ids=lambda key: f"{key[1]}.{key[0]}")
def test_checks_survive_malformed_objects(key: tuple[str, str]) -> None:
    group, kind = key
    for junk in _MALFORMED:
        obj = {**junk, "apiVersion": f"{group}/v1", "kind": kind}
        assert CHECKS[key](obj) is not None
    for junk in _MALFORMED:
        assert crossplane.resource({**junk, "kind": kind}) is not None
