"""The bundled demo repository: complete, valid, and expanded into the expected apps."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitsync.appset import ClusterRecord, expand, load_documents, repo_tree_provider
from gitsync.controller.ordering import parse_wave
from gitsync.demo.content import (
    APPSET_FILE,
    WEB_IMAGE,
    WEB_IMAGE_NEXT,
    WEB_ROLLOUT,
    DemoRepo,
    bundled_files,
    initial_files,
    web_image_change,
)
from gitsync.model import Manifest
from gitsync.model.enums import SyncPhase
from gitsync.source import RepoCache


def _manifests(service: str) -> dict[tuple[str, str], Manifest]:
    files = bundled_files()
    return {
        (m.kind, m.key.name): m
        for name, text in files.items()
        if name.startswith(f"apps/{service}/")
        for m in (Manifest.from_object(d, name) for d in yaml.safe_load_all(text) if d)
    }


def test_bundle_holds_the_appset_the_catalog_and_four_services() -> None:
    files = bundled_files()
    assert APPSET_FILE in files
    services = sorted({name.split("/")[1] for name in files if name.startswith("apps/")})
    assert services == ["billing", "orders", "orders-db", "web"]
    catalog = {name for name in files if name.startswith("services/")}
    assert catalog == {f"services/{s}.yaml" for s in services}


def test_orders_db_runs_settings_then_database_then_backup() -> None:
    by_name = _manifests("orders-db")
    assert by_name[("ConfigMap", "orders-db-config")].sync.wave == -1
    assert by_name[("StatefulSet", "orders-db")].sync.wave == 0
    assert by_name[("Service", "orders-db")].sync.wave == 0
    assert by_name[("CronJob", "orders-db-backup")].sync.wave == 1


def test_orders_runs_migration_then_settings_then_server() -> None:
    by_name = _manifests("orders")
    migrate = by_name[("Job", "orders-db-migrate")]
    assert migrate.sync.is_hook and SyncPhase.PRE_SYNC in migrate.sync.hook_phases
    assert by_name[("ConfigMap", "orders-settings")].sync.wave == -1
    assert by_name[("Deployment", "orders")].sync.wave == 0


def test_web_is_a_gated_blue_green_rollout_with_test_and_promotion_hooks() -> None:
    by_name = _manifests("web")
    rollout = by_name[("Rollout", "web")]
    assert rollout.annotations["gitsync.io/sync-gate"] == "pause"
    blue_green = rollout.obj["spec"]["strategy"]["blueGreen"]
    assert blue_green == {
        "activeService": "web-active",
        "previewService": "web-preview",
        "autoPromotionEnabled": False,
    }
    test_job = by_name[("Job", "integration-test")]
    promote = by_name[("Job", "promote-web")]
    assert SyncPhase.POST_SYNC in test_job.sync.hook_phases and test_job.sync.wave == 0
    assert SyncPhase.POST_SYNC in promote.sync.hook_phases and promote.sync.wave == 1
    assert promote.obj["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "rollout",
        "promote",
        "web",
    ]


def test_the_change_only_ships_a_new_web_image() -> None:
    files = bundled_files()
    change = web_image_change(files)
    assert list(change) == [WEB_ROLLOUT]
    assert WEB_IMAGE_NEXT in change[WEB_ROLLOUT] and WEB_IMAGE not in change[WEB_ROLLOUT]


def test_appset_expands_to_one_app_per_service_and_cluster_with_its_wave(tmp_path: Path) -> None:
    repo = DemoRepo(tmp_path / "repo")
    sha = repo.commit(initial_files(repo.url), "initial")
    cache = RepoCache(tmp_path / "cache")
    try:
        _, (appset,) = load_documents(cache.tree(repo.url, sha), APPSET_FILE)
        clusters = [
            ClusterRecord("staging", "http://staging.invalid", {"env": "staging"}),
            ClusterRecord("production", "http://production.invalid", {"env": "production"}),
            ClusterRecord("lab", "http://lab.invalid", {"env": "lab"}),
        ]
        apps = expand(appset, trees=repo_tree_provider(cache), clusters=clusters)
    finally:
        cache.close()
    assert len(apps) == 8
    by_name = {a.name: a for a in apps}
    assert (
        by_name["billing-production"].source.path,
        by_name["billing-production"].destination.server,
        by_name["billing-production"].destination.namespace,
    ) == ("apps/billing", "http://production.invalid", "billing")
    waves = {name: parse_wave(app.annotations) for name, app in by_name.items()}
    assert waves == {
        f"{service}-{env}": wave
        for service, wave in (("orders-db", 0), ("orders", 1), ("billing", 1), ("web", 2))
        for env in ("staging", "production")
    }
    assert {a.source.repo_url for a in apps} == {repo.url}
    assert all("CreateNamespace=true" in a.sync_policy.sync_options for a in apps)
    assert all(a.sync_policy.automated is not None for a in apps)
