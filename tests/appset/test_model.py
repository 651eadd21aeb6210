from __future__ import annotations

from typing import Any

import pytest

from gitsync.errors import ManifestError
from gitsync.model import Application, ApplicationSet, ApplicationsSync


def _app(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "project": "team",
        "source": {"repoURL": "https://git.example.com/r.git", "path": "apps/web"},
        "destination": {"server": "https://k8s.example.com", "namespace": "web"},
    }
    base.update(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd", "labels": {"a": "b"}},
        "spec": base,
    }


def test_typed_fields_and_unknown_fields_pass_through() -> None:
    obj = _app(
        syncPolicy={
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=true"],
            "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 3}},
            "managedNamespaceMetadata": {"labels": {"x": "y"}},
        },
        ignoreDifferences=[{"group": "apps", "kind": "Deployment", "jsonPointers": ["/x"]}],
        revisionHistoryLimit=3,
    )
    obj["spec"]["source"]["helm"] = {"valueFiles": ["v.yaml"]}
    app = Application.from_object(obj, source="apps.yaml")
    assert app.name == "web" and app.namespace == "argocd" and app.project == "team"
    assert app.source.repo_url == "https://git.example.com/r.git"
    assert app.source.target_revision == "HEAD"
    assert app.source.helm == {"valueFiles": ["v.yaml"]}
    assert app.destination.server == "https://k8s.example.com"
    policy = app.sync_policy
    assert policy.automated is not None and policy.automated.prune and policy.automated.self_heal
    assert not policy.automated.allow_empty
    assert policy.sync_options == ("CreateNamespace=true",)
    assert policy.retry is not None and policy.retry.limit == 5
    assert policy.retry.backoff.duration == "10s" and policy.retry.backoff.factor == 3
    assert policy.retry.backoff.max_duration == "3m"
    assert app.ignore_differences[0]["kind"] == "Deployment"
    assert app.to_object()["spec"]["revisionHistoryLimit"] == 3
    assert app.to_object()["spec"]["syncPolicy"]["managedNamespaceMetadata"] == {
        "labels": {"x": "y"}
    }


def test_multiple_sources() -> None:
    obj = _app()
    del obj["spec"]["source"]
    obj["spec"]["sources"] = [
        {"repoURL": "https://charts.example.com", "chart": "redis", "targetRevision": "1.2.3"},
        {"repoURL": "https://git.example.com/values.git", "ref": "values"},
    ]
    app = Application.from_object(obj)
    assert app.multi_source
    assert [s.chart for s in app.sources] == ["redis", ""]
    assert app.sources[1].ref == "values"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o["metadata"].pop("name"), "apps.yaml: Application has no metadata.name"),
        (lambda o: o["spec"].pop("destination"), "Application web: has no spec.destination"),
        (lambda o: o["spec"].pop("source"), "Application web: has no source"),
        (
            lambda o: o["spec"]["destination"].pop("server"),
            "spec.destination needs a server or a name",
        ),
        (
            lambda o: o["spec"].update(syncPolicy={"automated": {"prune": "yes"}}),
            "spec.syncPolicy.automated.prune must be true or false",
        ),
    ],
)
def test_invalid_applications_name_the_problem(change: Any, message: str) -> None:
    obj = _app()
    change(obj)
    with pytest.raises(ManifestError, match=message.replace(".", r"\.")):
        Application.from_object(obj, source="apps.yaml")


def test_applicationset_sync_policy() -> None:
    obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "s"},
        "spec": {
            "generators": [{"list": {"elements": []}}],
            "template": {"metadata": {}, "spec": {}},
            "syncPolicy": {"applicationsSync": "create-only", "preserveResourcesOnDeletion": True},
        },
    }
    appset = ApplicationSet.from_object(obj)
    assert appset.sync_policy.applications_sync is ApplicationsSync.CREATE_ONLY
    assert appset.sync_policy.preserve_resources_on_deletion
    obj["spec"]["syncPolicy"] = {"applicationsSync": "delete-all"}
    with pytest.raises(ManifestError, match="applicationsSync 'delete-all' is not one of"):
        ApplicationSet.from_object(obj)
    obj["spec"]["generators"] = []
    with pytest.raises(ManifestError, match=r"spec\.generators must be a non-empty list"):
        ApplicationSet.from_object(obj)
