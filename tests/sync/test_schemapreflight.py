"""The schema pre-flight against the embedded API server, over real HTTP: real plans, the
cluster's published schemas, its admission objects, quotas and namespaces."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from gitsync.kube import Cluster, LiveCache
from gitsync.model.annotations import SyncOptions
from gitsync.sim import SimCluster
from gitsync.sync.plan import PlanSettings, build_plan
from gitsync.sync.preflightpolicy import PreflightMode
from gitsync.sync.schemapreflight import (
    ClusterFacts,
    PlanPreflight,
    SchemaPreflight,
    facts_from_cache,
    facts_from_cluster,
)
from gitsync.sync.task import Task
from tests.sim.objects import crd, deployment
from tests.sync.helpers import manifests_of


@pytest.fixture
def cluster(sim: SimCluster) -> Iterator[Cluster]:
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=0) as connected:
        yield connected


def _config_map(name: str, namespace: str = "default") -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"a": "1"}}


def _plan(*docs: dict[str, Any], create_namespace: str = "") -> list[Task]:
    settings = PlanSettings(
        app="app",
        dest_namespace=create_namespace or "default",
        sync_options=SyncOptions.parse(["CreateNamespace=true"] if create_namespace else []),
    )
    return list(build_plan(manifests_of(list(docs)), settings).tasks)


def _checks(
    cluster: Cluster, tasks: list[Task], facts: ClusterFacts | None = None
) -> PlanPreflight:
    return SchemaPreflight(cluster, facts or facts_from_cluster(cluster)).for_plan(tasks)


def _task(tasks: list[Task], kind: str) -> Task:
    return next(t for t in tasks if t.kind == kind)


def test_plain_creates_are_checked_without_a_request_each(
    cluster: Cluster, sim: SimCluster
) -> None:
    docs = [deployment("web"), _config_map("settings")]
    docs += [_config_map(f"extra-{n}") for n in range(20)]
    tasks = _plan(*docs)
    checks = _checks(cluster, tasks)
    sim.reset_requests()
    verdicts = [checks.check(t, None) for t in tasks]
    assert all(not v.dry_run and v.error is None for v in verdicts), verdicts
    # discovery of apps/v1 and the two documents: none per object
    assert sorted((r.method, r.path) for r in sim.requests) == [
        ("GET", "/apis/apps/v1"),
        ("GET", "/openapi/v3"),
        ("GET", "/openapi/v3/api/v1"),
        ("GET", "/openapi/v3/apis/apps/v1"),
    ]


def test_a_broken_object_fails_the_check_in_one_line(cluster: Cluster) -> None:
    broken = deployment("web")
    broken["spec"]["replicas"] = "two"
    broken["spec"]["template"]["spec"]["containers"][0]["colour"] = "blue"
    tasks = _plan(broken)
    verdict = _checks(cluster, tasks).check(tasks[0], None)
    assert not verdict.dry_run
    assert verdict.error == (
        'Deployment/default/web: [spec.replicas: Invalid value: "string": spec.replicas in '
        'body must be of type integer: "string", .spec.template.spec.containers[0].colour: '
        "field not declared in schema]"
    )
    lenient = SchemaPreflight(cluster, facts_from_cluster(cluster), undeclared_fields=False)
    assert "colour" not in str(lenient.for_plan(tasks).check(tasks[0], None).error)


def test_updates_unknown_lives_and_mode_server_are_dry_run(
    cluster: Cluster, sim: SimCluster
) -> None:
    tasks = _plan(_config_map("settings"))
    checks = _checks(cluster, tasks)
    live = copy.deepcopy(tasks[0].obj)
    assert checks.check(tasks[0], live).dry_run
    assert checks.check(tasks[0], None, live_known=False).dry_run
    with Cluster.from_kubeconfig(sim.kubeconfig, qps=0) as fresh:
        sim.reset_requests()
        server = SchemaPreflight(fresh, ClusterFacts(), PreflightMode.SERVER)
        verdict = server.for_plan(tasks).check(tasks[0], None)
        assert verdict.dry_run and "mode server" in verdict.reason
        assert sim.requests == []  # nothing fetched for a mode that does not use it


def test_a_matching_webhook_keeps_the_dry_run_of_its_kind_only(
    cluster: Cluster, sim: SimCluster
) -> None:
    sim.create(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "policy"},
            "webhooks": [
                {
                    "name": "deployments.policy.example.com",
                    "clientConfig": {"url": "https://policy.example.com/validate"},
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                    "rules": [
                        {
                            "apiGroups": ["apps"],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["deployments"],
                        }
                    ],
                }
            ],
        }
    )
    tasks = _plan(deployment("web"), _config_map("settings"))
    checks = _checks(cluster, tasks)
    verdict = checks.check(_task(tasks, "Deployment"), None)
    assert verdict.dry_run
    assert (
        "ValidatingWebhookConfiguration/policy (deployments.policy.example.com)" in verdict.reason
    )
    assert not checks.check(_task(tasks, "ConfigMap"), None).dry_run


def test_a_quota_keeps_the_dry_run_in_its_namespace(cluster: Cluster, sim: SimCluster) -> None:
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "limited"}})
    sim.create(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "count", "namespace": "limited"},
            "spec": {"hard": {"count/configmaps": "1"}},
        }
    )
    tasks = _plan(_config_map("a", "limited"), _config_map("b", "default"))
    checks = _checks(cluster, tasks)
    limited = next(t for t in tasks if t.namespace == "limited")
    assert "ResourceQuota" in checks.check(limited, None).reason
    assert checks.check(limited, None).dry_run
    assert not checks.check(next(t for t in tasks if t.namespace == "default"), None).dry_run


def test_objects_of_a_namespace_the_sync_creates(cluster: Cluster) -> None:
    tasks = _plan(_config_map("a", "fresh"), create_namespace="fresh")
    assert {t.kind for t in tasks} == {"Namespace", "ConfigMap"}
    checks = _checks(cluster, tasks)
    assert not checks.check(_task(tasks, "ConfigMap"), None).dry_run
    elsewhere = _plan(_config_map("a", "missing"))
    verdict = _checks(cluster, elsewhere).check(elsewhere[0], None)
    assert verdict.dry_run and verdict.reason == "the namespace does not exist"


def test_a_crd_kind_with_cel_rules_is_dry_run(cluster: Cluster, sim: SimCluster) -> None:
    definition = crd("example.com", "Gadget", "gadgets")
    definition["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = {
        "type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        "x-kubernetes-validations": [{"rule": "has(self.spec)"}],
    }
    sim.create(definition)
    gadget = {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g", "namespace": "default"},
        "spec": {"size": 1},
    }
    tasks = _plan(gadget)
    verdict = _checks(cluster, tasks).check(tasks[0], None)
    assert verdict.dry_run and "CEL" in verdict.reason


def test_facts_from_a_watch_cache(cluster: Cluster, sim: SimCluster) -> None:
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "limited"}})
    sim.create(
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "limits", "namespace": "limited"},
            "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]},
        }
    )
    with LiveCache(cluster) as cache:
        facts = facts_from_cache(cache)
    assert facts.admission == ()
    assert facts.namespaces is not None and "limited" in facts.namespaces
    assert facts.limit_ranges == frozenset({"limited"}) and facts.quotas == frozenset()
    assert facts == facts_from_cluster(cluster)
    with LiveCache(cluster, label_selector="app.kubernetes.io/instance") as labelled:
        assert facts_from_cache(labelled) == ClusterFacts()
    with LiveCache(cluster, namespaces=["default"]) as scoped:
        unknown = facts_from_cache(scoped)
    assert unknown.admission is None and unknown.namespaces is None
    tasks = _plan(_config_map("a"))
    verdict = _checks(cluster, tasks, unknown).check(tasks[0], None)
    assert verdict.dry_run and "could not be read" in verdict.reason
