"""`gitsync serve --argocd-cm`: health scripts and ignoreDifferences from an Argo CD style
ConfigMap, read at start and again when it changes (a real subprocess, real API servers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.sim import SimCluster
from tests.controller.harness import Env, environment
from tests.sim.objects import crd

HEALTH_KEY = "resource.customizations.health.example.com_Widget"
IGNORE_KEY = "resource.customizations.ignoreDifferences.example.com_Widget"
APP = "wid-c1"
WIDGET = yaml.safe_dump(
    {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "gear"},
        "spec": {"size": 3, "colour": "blue"},
    }
)


def script(status: str, message: str) -> str:
    return f'return {{status = "{status}", message = "{message} for " .. obj.metadata.name}}\n'


def argocd_cm(data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "gitsync"},
        "data": data,
    }


def widget_health(env: Env) -> tuple[str, str] | None:
    app = env.apps().get(APP)
    for resource in (app or {}).get("resources") or []:
        if resource["kind"] == "Widget" and resource.get("health"):
            return resource["health"], resource["message"]
    return None


def prepare(sim: SimCluster, data: dict[str, str]) -> None:
    sim.create(crd("example.com", "Widget", "widgets"))
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gitsync"}})
    sim.create(argocd_cm(data))


def test_scripts_from_the_configmap_follow_its_changes(tmp_path: Path) -> None:
    # A slow poll: only the ConfigMap's watch can make the controller look again.
    args = ["--argocd-cm", "argocd-cm", "--poll-interval", "300s"]
    with environment(tmp_path, {"apps/wid/widget.yaml": WIDGET}, start=False, args=args) as env:
        local, other = env.sims
        prepare(local, {HEALTH_KEY: script("Suspended", "first script")})
        other.create(crd("example.com", "Widget", "widgets"))
        env.start()
        env.wait_apps(
            lambda apps: widget_health(env) == ("Suspended", "first script for gear"),
            timeout=40,
            what="the first script's health",
        )
        assert env.apps()[APP]["health"] == "Suspended"
        local.apply(argocd_cm({HEALTH_KEY: script("Degraded", "second script")}))
        env.wait_apps(
            lambda apps: widget_health(env) == ("Degraded", "second script for gear"),
            timeout=30,
            what="the changed script's health",
        )
        # the key removed: no script, no conditions -> no health for the widget
        local.apply(argocd_cm({"unrelated": "x"}))
        env.wait_apps(
            lambda apps: widget_health(env) is None and apps[APP]["health"] == "Healthy",
            timeout=30,
            what="no script any more",
        )


def _set_spec(sim: SimCluster, **fields: Any) -> None:
    def change(obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, "spec": {**obj["spec"], **fields}}

    sim.mutate("example.com/v1", "Widget", "wid", "gear", change)


def _sync_status(apps: dict[str, dict[str, Any]]) -> str:
    return str(apps.get(APP, {}).get("sync_status"))


def test_ignore_differences_from_the_configmap(tmp_path: Path) -> None:
    data = {IGNORE_KEY: "jsonPointers:\n- /spec/size\n"}
    args = ["--argocd-cm", "argocd-cm", "--poll-interval", "300s"]
    files = {"apps/wid/widget.yaml": WIDGET}
    # no self-heal: a drift stays in the cluster and shows as OutOfSync
    with environment(tmp_path, files, start=False, args=args, self_heal=False) as env:
        local, other = env.sims
        prepare(local, data)
        other.create(crd("example.com", "Widget", "widgets"))
        env.start()
        env.wait_apps(lambda a: _sync_status(a) == "Synced", timeout=40, what="synced")
        _set_spec(local, size=99, colour="red")
        env.wait_apps(lambda a: _sync_status(a) == "OutOfSync", what="the colour drift")
        _set_spec(local, colour="blue")
        # Synced again although the live size is still 99: the ConfigMap's rule ignores it
        env.wait_apps(lambda a: _sync_status(a) == "Synced", what="size ignored")
        live = local.get_object("example.com/v1", "Widget", "wid", "gear")
        assert live is not None and live["spec"]["size"] == 99
