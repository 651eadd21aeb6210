"""charts/gitsync rendered by gitsync's Helm path: schema-valid, hardened, secrets referenced."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from gitsync.errors import RenderError
from tests.chart.chartrender import (
    CHART,
    NAMESPACE,
    REPO,
    ROOT,
    by_kind,
    needs_helm,
    one,
    render_chart,
)

pytestmark = needs_helm

# The schemas kubernetes-validate ships closest to the cluster version we target (1.32).
SCHEMA_VERSION = "1.32.0"
NOT_CORE_SCHEMAS = {("monitoring.coreos.com/v1", "ServiceMonitor")}


def validate_all(objects: list[dict[str, Any]]) -> int:
    """Validate each object strictly (unknown fields fail); returns how many were checked."""
    checked = 0
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in NOT_CORE_SCHEMAS:
            continue
        try:
            kubernetes_validate.validate(obj, SCHEMA_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {err.message} at {err.path}")
        checked += 1
    return checked


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    containers = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


def test_schema_version_is_shipped() -> None:
    from kubernetes_validate.utils import all_versions  # type: ignore[import-untyped]

    assert SCHEMA_VERSION in all_versions()


def test_defaults_render_valid_hardened_objects() -> None:
    objects = render_chart({"config": {"repo": REPO}})
    kinds = sorted(obj["kind"] for obj in objects)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
    ]
    assert validate_all(objects) == len(objects)

    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["serviceAccountName"] == one(objects, "ServiceAccount")["metadata"]["name"]
    main = container(objects)
    security = main["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    ports = {port["name"] for port in main["ports"]}
    assert main["livenessProbe"]["httpGet"]["port"] in ports

    # The Git cache needs a writable volume because the root filesystem is read-only.
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert "emptyDir" in volumes["cache"]
    config = one(objects, "ConfigMap")["data"]
    mounts = {mount["name"]: mount["mountPath"] for mount in main["volumeMounts"]}
    assert mounts["cache"] == config["GITSYNC_CACHE_DIR"]
    assert config["GITSYNC_REPO"] == REPO

    service = one(objects, "Service")
    assert service["spec"]["selector"].items() <= pod_labels(objects).items()
    binding = one(objects, "ClusterRoleBinding")
    assert binding["subjects"][0]["namespace"] == NAMESPACE


def pod_labels(objects: list[dict[str, Any]]) -> dict[str, str]:
    labels: dict[str, str] = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    return labels


def test_secrets_are_referenced_never_inlined() -> None:
    objects = render_chart(
        {
            "config": {"repo": REPO},
            "git": {"credentialsSecret": "git-creds", "sshSecret": "git-ssh"},
            "webhook": {"secretName": "hooks"},
            "api": {"tokenSecret": "api-token"},
        }
    )
    validate_all(objects)
    assert not by_kind(objects, "Secret")
    env = {item["name"]: item for item in container(objects)["env"]}
    referenced = {
        item["valueFrom"]["secretKeyRef"]["name"]
        for item in env.values()
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert referenced == {"git-creds", "hooks", "api-token"}
    assert env["GITSYNC_API_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "token"
    ssh = next(
        v
        for v in one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
        if v["name"] == "ssh"
    )
    assert ssh["secret"]["secretName"] == "git-ssh"
    # The ConfigMap holds settings only: no secret name or credential-looking key.
    config = one(objects, "ConfigMap")["data"]
    for key, value in config.items():
        assert not any(word in key for word in ("PASSWORD", "TOKEN", "SECRET", "KEY")), key
        assert value not in referenced


def test_namespaced_rbac_has_a_role_per_namespace_and_no_cluster_role() -> None:
    objects = render_chart(
        {"config": {"repo": REPO}, "rbac": {"mode": "namespaced", "namespaces": ["a", "b"]}}
    )
    assert validate_all(objects) == len(objects)
    assert not by_kind(objects, "ClusterRole")
    assert not by_kind(objects, "ClusterRoleBinding")
    managed = {
        obj["metadata"]["namespace"]
        for obj in by_kind(objects, "Role") + by_kind(objects, "RoleBinding")
        if "namespace" in obj["metadata"]
    }
    assert managed == {"a", "b"}
    # Its own namespace keeps a Role for status ConfigMaps and the leader Lease.
    assert len(by_kind(objects, "Role")) == 3
    for binding in by_kind(objects, "RoleBinding"):
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "gitsync", "namespace": NAMESPACE}
        ]


def test_namespaced_rbac_without_namespaces_is_a_render_error() -> None:
    with pytest.raises(RenderError, match=r"rbac\.namespaces"):
        render_chart({"config": {"repo": REPO}, "rbac": {"mode": "namespaced"}})


def test_ingress_and_service_monitor() -> None:
    objects = render_chart(
        {
            "config": {"repo": REPO},
            "ingress": {"enabled": True, "className": "nginx", "host": "gitsync.test"},
            "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}},
        }
    )
    assert validate_all(objects) == len(objects) - 1
    ingress = one(objects, "Ingress")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "gitsync.test"
    assert [path["path"] for path in rule["http"]["paths"]] == ["/api/webhook"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == one(objects, "Service")["metadata"]["name"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    monitor = one(objects, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= pod_labels(objects).items()


def test_two_replicas() -> None:
    objects = render_chart({"config": {"repo": REPO}, "replicaCount": 2})
    validate_all(objects)
    assert one(objects, "Deployment")["spec"]["replicas"] == 2
    # Replicas elect a leader through a Lease, which the self Role must allow.
    rules = one(objects, "Role")["rules"]
    assert any("leases" in rule["resources"] for rule in rules)
    assert one(objects, "ConfigMap")["data"]["GITSYNC_LEADER_ELECTION"] == "true"


def test_missing_repo_is_a_render_error() -> None:
    with pytest.raises(RenderError, match=r"config\.repo is required"):
        render_chart({})


def test_cli_render_with_helm_set_and_missing_repo() -> None:
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitsync",
            "render",
            CHART,
            "--release-name",
            "gitsync",
            "--helm-set",
            f"config.repo={REPO}",
            "--helm-set",
            "replicaCount=3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "replicas: 3" in ok.stdout
    failed = subprocess.run(
        [sys.executable, "-m", "gitsync", "render", CHART],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: ")
    assert "config.repo is required" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_validation_catches_a_bad_object() -> None:
    objects = render_chart({"config": {"repo": REPO}})
    broken = one(objects, "Deployment")
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, SCHEMA_VERSION, strict=True)


def test_action_and_local_repository_settings() -> None:
    defaults = one(render_chart({"config": {"repo": REPO}}), "ConfigMap")["data"]
    assert defaults["GITSYNC_INSECURE_ALLOW_ANONYMOUS_ACTIONS"] == "false"
    assert "GITSYNC_ALLOW_LOCAL_REPOS" not in defaults
    objects = render_chart(
        {
            "config": {"repo": REPO, "allowLocalRepos": ["/srv/a", "/srv/b"]},
            "api": {"insecureAllowAnonymousActions": True},
        }
    )
    validate_all(objects)
    data = one(objects, "ConfigMap")["data"]
    assert data["GITSYNC_ALLOW_LOCAL_REPOS"] == "/srv/a:/srv/b"
    assert data["GITSYNC_INSECURE_ALLOW_ANONYMOUS_ACTIONS"] == "true"


def test_plugins_are_mounted_from_a_config_map() -> None:
    plugin = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": "envsubst"},
        "spec": {"version": "v1.0", "generate": {"command": ["sh", "-c"], "args": ["echo"]}},
    }
    objects = render_chart({"config": {"repo": REPO}, "plugins": [plugin]})
    validate_all(objects)
    maps = {m["metadata"]["name"]: m for m in by_kind(objects, "ConfigMap")}
    plugins = next(m for name, m in maps.items() if name.endswith("-plugins"))
    assert list(plugins["data"]) == ["envsubst-v1.0.yaml"]
    assert yaml.safe_load(plugins["data"]["envsubst-v1.0.yaml"]) == plugin
    spec = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert container(objects)["args"] == ["serve", "--plugins-dir", "/etc/gitsync/plugins"]
    mount = next(m for m in container(objects)["volumeMounts"] if m["name"] == "plugins")
    assert mount["mountPath"] == "/etc/gitsync/plugins"
    volume = next(v for v in spec["volumes"] if v["name"] == "plugins")
    assert volume["configMap"]["name"] == plugins["metadata"]["name"]
    # Without plugins: no ConfigMap, no mount, no flag.
    plain = render_chart({"config": {"repo": REPO}})
    assert len(by_kind(plain, "ConfigMap")) == 1
    assert container(plain)["args"] == ["serve"]
    with pytest.raises(RenderError, match=r"metadata\.name"):
        render_chart({"config": {"repo": REPO}, "plugins": [{"kind": "ConfigManagementPlugin"}]})
