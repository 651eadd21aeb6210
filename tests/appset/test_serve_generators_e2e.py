"""`gitsync serve` with the plugin and clusterDecisionResource generators: ConfigMaps,
Secrets and the duck-typed resource read through the cluster API, the plugin called
over HTTP only because its URL is allowed, and both re-run on `requeueAfterSeconds`
without any commit."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from gitsync.controller.config import load_config
from tests.appset.fakeapis import fake_apis
from tests.controller.harness import configmap, environment

TOKEN = "serve-plugin-token-value"
GROUP = "cluster.open-cluster-management.io"


def _appset(name: str, generator: dict[str, Any], app_name: str, repo_url: str, dest: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": name},
            "spec": {
                "generators": [generator],
                "template": {
                    "metadata": {"name": app_name},
                    "spec": {
                        "project": "default",
                        "source": {"repoURL": repo_url, "targetRevision": "HEAD", "path": "extra"},
                        "destination": {"name": dest, "namespace": "extra"},
                    },
                },
            },
        }
    )


def _placement_crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"placementdecisions.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": "PlacementDecision",
                "plural": "placementdecisions",
                "singular": "placementdecision",
                "listKind": "PlacementDecisionList",
            },
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def _seed(sim: Any, plugin_url: str) -> None:
    """What an operator sets up in the controller's namespace."""
    sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gitsync"}})
    for name, data in (
        ("my-plugin", {"baseUrl": plugin_url, "token": "$plugin-token:token"}),
        (
            "placement",
            {
                "apiVersion": f"{GROUP}/v1beta1",
                "kind": "placementdecisions",
                "statusListKey": "decisions",
                "matchKey": "clusterName",
            },
        ),
    ):
        sim.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "gitsync"},
                "data": data,
            }
        )
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "plugin-token", "namespace": "gitsync"},
            "data": {"token": base64.b64encode(TOKEN.encode()).decode()},
        }
    )
    sim.create(_placement_crd())
    sim.create(
        {
            "apiVersion": f"{GROUP}/v1beta1",
            "kind": "PlacementDecision",
            "metadata": {"name": "web", "namespace": "gitsync", "labels": {"placement": "web"}},
        }
    )
    _decide(sim, "c2")


def _decide(sim: Any, cluster: str) -> None:
    sim.set_status(
        f"{GROUP}/v1beta1",
        "PlacementDecision",
        "gitsync",
        "web",
        {"decisions": [{"clusterName": cluster, "reason": "chosen"}]},
    )


def test_plugin_and_cluster_decisions_rerun_without_a_commit(tmp_path: Path) -> None:
    with fake_apis() as apis, environment(tmp_path, {}, start=False) as env:
        apis.plugin_token = TOKEN
        apis.plugin_output = {"output": {"parameters": [{"id": "one"}]}}
        _seed(env.sims[0], apis.url)
        url = env.repo.url
        plugin = {"plugin": {"configMapRef": {"name": "my-plugin"}, "requeueAfterSeconds": 1}}
        decisions = {
            "clusterDecisionResource": {
                "configMapRef": "placement",
                "labelSelector": {"matchLabels": {"placement": "web"}},
                "requeueAfterSeconds": 1,
            }
        }
        env.repo.commit(
            files={
                "extra/cm.yaml": configmap("extra", "1"),
                "root/plugin.yaml": _appset("plugged", plugin, "plug-{{id}}", url, "c1"),
                "root/placed.yaml": _appset(
                    "placed", decisions, "placed-{{name}}", url, "{{name}}"
                ),
            },
            message="add generator appsets",
        )
        env.extra_args = ["--generator-urls", apis.url]
        env.start()

        env.wait_apps(lambda a: {"plug-one", "placed-c2"} <= set(a), what="first expansion")
        # No commit from here on: only the requeue interval brings these changes in.
        apis.plugin_output = {"output": {"parameters": [{"id": "one"}, {"id": "two"}]}}
        _decide(env.sims[0], "c1")
        apps = env.wait_apps(
            lambda a: {"plug-one", "plug-two", "placed-c1"} <= set(a) and "placed-c2" not in a,
            what="re-expansion on requeueAfterSeconds",
        )
        assert apps["placed-c1"]["destination"] == "c1"
        assert apis.requests and all(
            r.headers["authorization"] == f"Bearer {TOKEN}" for r in apis.requests
        )
        assert TOKEN not in env.logs()


def test_generator_urls_setting() -> None:
    config = load_config(None, {"repo": "x", "generator_urls": ["http://a:1", "https://b/x"]})
    assert config.allowed_generator_urls == ("http://a:1", "https://b/x")
    assert load_config(None, {"repo": "x"}, environ={}).allowed_generator_urls == ()
