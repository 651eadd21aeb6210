"""Rollout, Service and Job manifests for the Rollout tests."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def blue_green(
    name: str = "web",
    image: str = "nginx:1.0",
    *,
    auto_promote: bool = False,
    annotations: dict[str, str] | None = None,
    replicas: int = 2,
) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            "strategy": {
                "blueGreen": {
                    "activeService": f"{name}-active",
                    "previewService": f"{name}-preview",
                    "autoPromotionEnabled": auto_promote,
                }
            },
        },
    }


def canary(name: str, image: str, steps: list[Obj], replicas: int = 4) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            "strategy": {"canary": {"steps": steps}},
        },
    }


def service(name: str, app: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]},
    }


def job(
    name: str,
    args: list[str] | None = None,
    *,
    command: list[str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    container: Obj = {"name": "main", "image": "ghcr.io/gitsync/gitsync:0.1.0"}
    if command is not None:
        container["command"] = command
    if args is not None:
        container["args"] = args
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {"restartPolicy": "Never", "containers": [container]}},
        },
    }
