"""Where Lua scripts come from (directory, ConfigMap) and where they sit in the order."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsync.errors import ConfigError
from gitsync.health import (
    Health,
    decide,
    load_directory,
    plugins,
    read_argocd_cm,
    register,
    unregister,
    use_lua_scripts,
)
from gitsync.health.lua_scripts import split_group_kind
from gitsync.model.enums import HealthStatus
from tests.health.fixtures import load
from tests.health.plugin_support import database, install_plugin


def script(status: str, message: str = "") -> str:
    return f'return {{status = "{status}", message = "{message}"}}\n'


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def obj(api_version: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **extra}


@pytest.fixture(autouse=True)
def no_scripts() -> Iterator[None]:
    yield
    use_lua_scripts("directory", None)
    use_lua_scripts("configmap", None)
    for group, kind in [("db.acme.io", "Database"), ("apps", "Deployment")]:
        unregister(group, kind)


@pytest.fixture
def customizations(tmp_path: Path) -> Path:
    root = tmp_path / "resource_customizations"
    write(root, "cert-manager.io/Certificate/health.lua", script("Healthy", "exact"))
    write(root, "_.crossplane.io/_/health.lua", script("Progressing", "any crossplane"))
    write(root, "pkg.crossplane.io/Provider/health.lua", script("Healthy", "provider"))
    write(root, "example.com/_/health.lua", script("Suspended", "any example.com kind"))
    write(root, "ConfigMap/health.lua", script("Healthy", "core"))
    write(root, "apps/Deployment/actions/restart/action.lua", "return obj")
    write(root, "apps/Deployment/actions/discovery.lua", "return {}")
    write(root, "README.md", "not a script")
    return root


def test_directory_layout_with_wildcards(customizations: Path) -> None:
    use_lua_scripts("directory", load_directory(customizations))
    cases = [
        (obj("cert-manager.io/v1", "Certificate"), "Healthy", "exact"),
        (obj("s3.aws.crossplane.io/v1", "Bucket"), "Progressing", "any crossplane"),
        (obj("pkg.crossplane.io/v1", "Provider"), "Healthy", "provider"),  # exact wins
        (obj("example.com/v1", "Widget"), "Suspended", "any example.com kind"),
        (obj("v1", "ConfigMap"), "Healthy", "core"),
    ]
    for live, status, message in cases:
        found = decide(live)
        assert found.health == Health(HealthStatus(status), message), live
        assert found.source.startswith(f"lua:{customizations}/")
    assert decide(obj("cert-manager.io/v1", "Certificate")).source == (
        f"lua:{customizations}/cert-manager.io/Certificate/health.lua"
    )
    # action scripts are not health scripts: the built-in Deployment check decides
    assert decide(load("deployment/healthy_all_replicas_available")).source == "builtin"
    # a crossplane-looking group that is not one
    assert decide(obj("crossplane.io.evil.com/v1", "Bucket")).source == "none"


def test_a_script_with_a_syntax_error_is_kept_and_says_so(tmp_path: Path) -> None:
    write(tmp_path, "example.com/Widget/health.lua", "return {status = ")
    use_lua_scripts("directory", load_directory(tmp_path))
    found = decide(obj("example.com/v1", "Widget"))
    assert found.health is not None and found.health.status is HealthStatus.UNKNOWN
    assert "does not compile" in found.health.message
    assert "example.com/Widget/health.lua:1:" in found.health.message


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        load_directory(tmp_path / "missing")
    write(tmp_path, "example.com/Widget/health.lua", "-- " + "x" * 300_000)
    with pytest.raises(ConfigError, match="larger than 256 KiB"):
        load_directory(tmp_path)


def test_configmap_keys() -> None:
    data = {
        "resource.customizations.health.cert-manager.io_Certificate": script("Healthy", "split"),
        "resource.customizations.health.Pod": script("Suspended", "core pod"),
        "resource.customizations.useOpenLibs.cert-manager.io_Certificate": "true",
        "resource.customizations": (
            "cert-manager.io/Certificate:\n"
            "  health.lua: |\n"
            '    return {status = "Degraded", message = "block"}\n'
            "'*.crossplane.io/*':\n"
            "  health.lua: |\n"
            '    return {status = "Progressing", message = "block wildcard"}\n'
            "apps/Deployment:\n"
            "  ignoreDifferences: |\n"
            "    jsonPointers: [/spec/replicas]\n"
        ),
        "resource.customizations.ignoreDifferences.admissionregistration.k8s.io_"
        "MutatingWebhookConfiguration": "jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle']",
        "resource.customizations.ignoreDifferences.all": "managedFieldsManagers: [kube-controller]",
        "url": "https://argocd.example.com",
    }
    settings = read_argocd_cm(data, "argocd-cm")
    assert settings.problems == ()
    use_lua_scripts("configmap", settings.scripts)
    certificate = decide(obj("cert-manager.io/v1", "Certificate"))
    assert certificate.health == Health(HealthStatus.HEALTHY, "split")  # split key wins
    key = "resource.customizations.health.cert-manager.io_Certificate"
    assert certificate.source == f"lua:argocd-cm:{key}"
    pod = decide(obj("v1", "Pod"))
    assert pod.health == Health(HealthStatus.SUSPENDED, "core pod")
    bucket = decide(obj("s3.aws.crossplane.io/v1", "Bucket"))
    assert bucket.health == Health(HealthStatus.PROGRESSING, "block wildcard")
    assert bucket.source == "lua:argocd-cm:resource.customizations[*.crossplane.io/*]"
    assert sorted((r["group"], r["kind"]) for r in settings.ignore_rules) == [
        ("*", "*"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("apps", "Deployment"),
    ]
    rules = {r["kind"]: r for r in settings.ignore_rules}
    assert rules["Deployment"]["jsonPointers"] == ["/spec/replicas"]
    assert rules["*"]["managedFieldsManagers"] == ["kube-controller"]


def test_a_bad_configmap_key_is_skipped_and_named() -> None:
    data = {
        "resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers: [unclosed",
        "resource.customizations": "- not a mapping",
        "resource.customizations.health.example.com_Widget": script("Healthy"),
    }
    settings = read_argocd_cm(data, "argocd-cm")
    assert len(settings.problems) == 2
    assert any("apps_Deployment: not valid YAML" in p for p in settings.problems)
    assert len(settings.scripts) == 1


def test_configmap_scripts_win_over_directory_scripts(customizations: Path) -> None:
    use_lua_scripts("directory", load_directory(customizations))
    data = {"resource.customizations.health.cert-manager.io_Certificate": script("Degraded")}
    use_lua_scripts("configmap", read_argocd_cm(data, "argocd-cm").scripts)
    assert decide(obj("cert-manager.io/v1", "Certificate")).source.startswith("lua:argocd-cm:")
    use_lua_scripts("configmap", None)
    assert decide(obj("cert-manager.io/v1", "Certificate")).source.startswith(
        f"lua:{customizations}"
    )


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[Path]:
    install_plugin(tmp_path)
    sys.path.insert(0, str(tmp_path))
    plugins.reload()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_health", None)
    plugins.reload()


def test_decision_order(plugin_path: Path, tmp_path: Path) -> None:
    live = database("Ready")
    live["status"] = {"phase": "Ready", "conditions": [{"type": "Ready", "status": "False"}]}
    assert decide(live).source == "plugin"  # over the conditions fallback
    register("db.acme.io", "Database", lambda o: Health(HealthStatus.SUSPENDED))
    assert decide(live).source == "registered"  # over the plugin
    root = tmp_path / "scripts"
    write(root, "db.acme.io/Database/health.lua", script("Healthy", "lua"))
    use_lua_scripts("directory", load_directory(root))
    assert decide(live).source == f"lua:{root}/db.acme.io/Database/health.lua"  # over all
    use_lua_scripts("directory", None)
    unregister("db.acme.io", "Database")
    plugins.checks().clear()
    assert decide(live).source == "conditions"
    assert decide(live).health == Health(HealthStatus.DEGRADED, "Ready is False")


def test_a_script_overrides_a_builtin_check(tmp_path: Path) -> None:
    write(tmp_path, "apps/Deployment/health.lua", script("Healthy", "trust me"))
    use_lua_scripts("directory", load_directory(tmp_path))
    deployment = load("deployment/degraded_progress_deadline_exceeded")
    assert decide(deployment).health == Health(HealthStatus.HEALTHY, "trust me")


def test_deletion_wins_over_scripts(tmp_path: Path) -> None:
    write(tmp_path, "example.com/Widget/health.lua", script("Healthy"))
    use_lua_scripts("directory", load_directory(tmp_path))
    live = obj("example.com/v1", "Widget")
    live["metadata"]["deletionTimestamp"] = "2024-05-06T10:00:00Z"
    assert decide(live).health == Health(HealthStatus.PROGRESSING, "Pending deletion")


def test_split_group_kind() -> None:
    assert split_group_kind("cert-manager.io_Certificate") == ("cert-manager.io", "Certificate")
    assert split_group_kind("Pod") == ("", "Pod")


def test_a_failing_script_makes_the_app_say_so(tmp_path: Path) -> None:
    from gitsync.health import aggregate
    from gitsync.model.manifest import Manifest

    write(tmp_path, "example.com/Widget/health.lua", "return obj.status.size + 1")
    use_lua_scripts("directory", load_directory(tmp_path))
    live = obj("example.com/v1", "Widget")
    live["metadata"]["namespace"] = "prod"
    health = aggregate([(Manifest.from_object(live, "widget.yaml"), live)])
    assert health.status is HealthStatus.UNKNOWN
    assert health.message.startswith("Widget/prod/x: Lua health script failed: ")
    assert "example.com/Widget/health.lua:1:" in health.message


def test_a_script_sees_a_secrets_keys_never_its_values(tmp_path: Path) -> None:
    leaky = "local keys = {}\nfor k, v in pairs(obj.data) do keys[#keys + 1] = k .. '=' .. v end\n"
    leaky += "table.sort(keys)\nreturn {status = 'Healthy', message = table.concat(keys, ',')}\n"
    write(tmp_path, "Secret/health.lua", leaky)
    use_lua_scripts("directory", load_directory(tmp_path))
    secret = obj("v1", "Secret", data={"password": "c2VjcmV0", "user": "YWRtaW4="})
    found = decide(secret)
    assert found.health == Health(HealthStatus.HEALTHY, "password=<redacted>,user=<redacted>")
    assert secret["data"]["password"] == "c2VjcmV0"  # the caller's object is left alone
