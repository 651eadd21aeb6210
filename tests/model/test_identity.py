"""Object identities against Kubernetes' naming rules (fixture table in
tests/fixtures/identity/cases.yaml), and what Manifest and Application do with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.errors import ManifestError
from gitsync.model import Application, Manifest
from gitsync.model.identity import IdentityError, check_identity, shown

CASES = yaml.safe_load((Path(__file__).parents[1] / "fixtures/identity/cases.yaml").read_text())


def _identity(case: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        case["apiVersion"],
        case["kind"],
        case.get("namespace", ""),
        case.get("name", ""),
        case.get("generateName", ""),
    )


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: c.get("name") or c["kind"])
def test_valid_identities_pass(case: dict[str, Any]) -> None:
    check_identity(*_identity(case))


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: c["error"][:40])
def test_invalid_identities_name_the_field_and_the_rule(case: dict[str, Any]) -> None:
    with pytest.raises(IdentityError) as caught:
        check_identity(*_identity(case))
    message = str(caught.value)
    assert case["error"] in message
    assert "\n" not in message


def test_a_long_hostile_value_is_cut_in_the_message() -> None:
    assert len(shown("a/" * 10_000)) <= 64


def _object(meta: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


@pytest.mark.parametrize(
    ("meta", "error"),
    [
        ({"name": "a", "namespace": ["x"]}, "metadata.namespace must be a string, not list"),
        ({"name": ["a"]}, "metadata.name must be a string, not list"),
        ({"name": 7}, "metadata.name must be a string, not int"),
        ({"generateName": {"a": 1}}, "metadata.generateName must be a string, not dict"),
        ({"name": "a", "labels": [1]}, "ConfigMap/a: metadata.labels must be a mapping, not list"),
        ({"name": "a", "labels": {"tier": 1}}, "label 'tier' must be a string (quote it)"),
        ({"name": "a", "annotations": "x"}, "metadata.annotations must be a mapping, not str"),
        ({"name": "a/b"}, "ConfigMap: metadata.name 'a/b' is not a DNS-1123 subdomain"),
    ],
)
def test_manifest_refuses_bad_metadata_with_one_line(meta: dict[str, Any], error: str) -> None:
    with pytest.raises(ManifestError) as caught:
        Manifest.from_object(_object(meta), "app/cm.yaml")
    assert str(caught.value).startswith("app/cm.yaml: ")
    assert error in str(caught.value)


def test_manifest_keeps_a_valid_namespace() -> None:
    manifest = Manifest.from_object(_object({"name": "a", "namespace": "team"}))
    assert str(manifest.key) == "ConfigMap/team/a"


def _application(name: str, namespace: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "source": {"repoURL": "https://example.com/r.git", "path": "web"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        },
    }


def test_application_names_follow_argo_cd() -> None:
    assert Application.from_object(_application("web.prod-1")).name == "web.prod-1"
    with pytest.raises(ManifestError, match=r"Application: metadata\.name '<script>"):
        Application.from_object(_application("<script>alert(1)</script>"))
    with pytest.raises(ManifestError, match=r"spec\.destination\.namespace '\.\./x'"):
        Application.from_object(_application("web", namespace="../x"))
