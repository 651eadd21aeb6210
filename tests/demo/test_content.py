"""The bundled demo repository: complete, valid, and expanded into the expected apps."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitsync.appset import Cluster, expand, load_documents, repo_tree_provider
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


def _manifests(text: str, source: str) -> list[Manifest]:
    return [Manifest.from_object(d, source) for d in yaml.safe_load_all(text) if d]


def test_bundle_holds_the_appset_and_four_services() -> None:
    files = bundled_files()
    assert APPSET_FILE in files
    services = sorted({name.split("/")[1] for name in files if name.startswith("apps/")})
    assert services == ["billing", "orders", "orders-db", "web"]


def test_orders_runs_migration_then_database_then_server() -> None:
    files = bundled_files()
    manifests = [
        m
        for name in files
        if name.startswith("apps/orders/")
        for m in _manifests(files[name], name)
    ]
    by_name = {(m.kind, m.key.name): m for m in manifests}
    migrate = by_name[("Job", "orders-db-migrate")]
    assert migrate.sync.is_hook and SyncPhase.PRE_SYNC in migrate.sync.hook_phases
    assert by_name[("StatefulSet", "orders-db")].sync.wave == -1
    assert by_name[("Service", "orders-db")].sync.wave == -1
    assert by_name[("Deployment", "orders")].sync.wave == 0


def test_web_is_a_gated_blue_green_rollout_with_test_and_promotion_hooks() -> None:
    files = bundled_files()
    manifests = [
        m for name in files if name.startswith("apps/web/") for m in _manifests(files[name], name)
    ]
    by_name = {(m.kind, m.key.name): m for m in manifests}
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


def test_appset_expands_to_one_app_per_service_and_cluster(tmp_path: Path) -> None:
    repo = DemoRepo(tmp_path / "repo")
    sha = repo.commit(initial_files(repo.url), "initial")
    cache = RepoCache(tmp_path / "cache")
    try:
        _, (appset,) = load_documents(cache.tree(repo.url, sha), APPSET_FILE)
        clusters = [
            Cluster("staging", "http://staging.invalid", {"env": "staging"}),
            Cluster("production", "http://production.invalid", {"env": "production"}),
            Cluster("lab", "http://lab.invalid", {"env": "lab"}),
        ]
        apps = expand(appset, trees=repo_tree_provider(cache), clusters=clusters)
    finally:
        cache.close()
    assert [(a.name, a.source.path, a.destination.server, a.destination.namespace) for a in apps][
        :2
    ] == [
        ("billing-production", "apps/billing", "http://production.invalid", "billing"),
        ("billing-staging", "apps/billing", "http://staging.invalid", "billing"),
    ]
    assert len(apps) == 8
    assert {a.source.repo_url for a in apps} == {repo.url}
    assert all("CreateNamespace=true" in a.sync_policy.sync_options for a in apps)
