"""The schema pre-flight through `gitsync serve` (docs/preflight.md): a schema-invalid
object stops its app before any write, at no request per object; a kind an admission
webhook sees keeps its server dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitsync.sim.records import RequestRecord
from tests.controller.harness import all_synced_healthy, configmap, deployment, environment


def _requests(records: list[RequestRecord], namespace: str) -> list[RequestRecord]:
    """Requests about the objects of one app's namespace (the Namespace itself included)."""
    return [
        r
        for r in records
        if r.verb != "watch"
        and (r.namespace == namespace or (r.kind == "Namespace" and r.name == namespace))
    ]


def _failed_and_retrying(apps: dict[str, dict[str, Any]], names: set[str]) -> bool:
    """The automated syncs of these apps failed and are being retried (twice at least)."""
    return all(int((apps.get(n, {}).get("operation") or {}).get("retry_count") or 0) >= 2
               for n in names)  # fmt: skip


def test_a_schema_invalid_object_stops_its_app_before_any_request(tmp_path: Path) -> None:
    broken = yaml.safe_load(deployment("web"))
    broken["spec"]["replicas"] = "two"
    files = {
        "apps/bad/deploy.yaml": yaml.safe_dump(broken),
        "apps/bad/config.yaml": configmap("bad-config", "v1"),
        "apps/good/config.yaml": configmap("good-config", "v1"),
    }
    with environment(tmp_path, files) as env:
        good = all_synced_healthy({"good-c1", "good-c2"})
        env.wait_apps(
            lambda apps: (
                good({n: a for n, a in apps.items() if n.startswith("good")})
                and _failed_and_retrying(apps, {"bad-c1", "bad-c2"})
            ),
            timeout=90,
        )
        for sim in env.sims:
            records = list(sim.requests)
            # Nothing written, and not one dry run either: the schema check found it.
            assert _requests(records, "bad") == []
            good = _requests(records, "good")
            assert [r for r in good if r.dry_run] == []
            assert [r.kind for r in good if r.is_write] == ["Namespace", "ConfigMap"]


def _webhook(kinds: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "policy"},
        "webhooks": [
            {
                "name": "policy.example.com",
                "clientConfig": {"url": "https://policy.example.com/validate"},
                "rules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": kinds,
                    }
                ],
                "sideEffects": "None",
                "admissionReviewVersions": ["v1"],
            }
        ],
    }


def test_a_kind_an_admission_webhook_sees_keeps_its_server_dry_run(tmp_path: Path) -> None:
    files = {
        "apps/web/deploy.yaml": deployment("web"),
        "apps/web/config.yaml": configmap("web-config", "v1"),
    }
    with environment(tmp_path, files, start=False) as env:
        with_webhook, without = env.sims
        with_webhook.create(_webhook(["configmaps"]))
        env.start()
        env.wait_apps(all_synced_healthy({"web-c1", "web-c2"}), timeout=60)
        dry_runs = [r for r in _requests(list(with_webhook.requests), "web") if r.dry_run]
        assert [(r.kind, r.name) for r in dry_runs] == [("ConfigMap", "web-config")]
        assert [r for r in _requests(list(without.requests), "web") if r.dry_run] == []


def test_preflight_server_dry_runs_every_write(tmp_path: Path) -> None:
    files = {"apps/web/config.yaml": configmap("web-config", "v1")}
    with environment(tmp_path, files, args=["--preflight", "server"]) as env:
        env.wait_apps(all_synced_healthy({"web-c1", "web-c2"}), timeout=60)
        for sim in env.sims:
            dry_runs = [r for r in _requests(list(sim.requests), "web") if r.dry_run]
            assert sorted({r.kind or "" for r in dry_runs}) == ["ConfigMap", "Namespace"]
