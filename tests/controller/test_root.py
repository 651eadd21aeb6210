"""The root path (gitsync/controller/root.py) against a real Git repository and the
embedded API server: which apps each commit yields and what leaving the root does to an
app's state and resources."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.appset import repo_tree_provider
from gitsync.controller.appsetenv import RequeueTimer, generator_env
from gitsync.controller.clusters import ClusterRegistry, Destination, local_record
from gitsync.controller.config import ControllerConfig
from gitsync.controller.projects import ProjectSource
from gitsync.controller.revisions import Revisions
from gitsync.controller.root import Root
from gitsync.controller.status import AppStatus, StatusStore
from gitsync.kube import Cluster
from gitsync.metrics import Metrics
from gitsync.model.annotations import SYNC_OPTIONS, TRACKING_LABEL
from gitsync.model.keys import ResourceKey
from gitsync.sim import SimCluster
from gitsync.source import Credentials, HelmRepoCache, RepoCache
from gitsync.source.gitauth import SecretCredentials
from gitsync.source.localrepos import LocalRepoPolicy
from gitsync.sync.tracking import add_tracking
from tests.gitrepo import GitRepo
from tests.waiting import wait_for

NAMESPACE = "gitsync"
IN_CLUSTER = "https://kubernetes.default.svc"
APPS_REPO = "https://git.example.invalid/apps.git"


def _appset(names: list[str]) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": "team"},
            "spec": {
                "generators": [{"list": {"elements": [{"app": n} for n in names]}}],
                "template": {
                    "metadata": {"name": "{{app}}"},
                    "spec": {
                        "project": "default",
                        "source": {"repoURL": APPS_REPO, "path": "{{app}}"},
                        "destination": {"server": IN_CLUSTER, "namespace": "{{app}}"},
                    },
                },
            },
        }
    )


def _application(name: str) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": name},
            "spec": {
                "project": "default",
                "source": {"repoURL": APPS_REPO, "path": name},
                "destination": {"server": IN_CLUSTER, "namespace": name},
            },
        }
    )


@dataclass
class Setup:
    root: Root
    repo: GitRepo
    cluster: Cluster
    statuses: StatusStore
    forgotten: list[str]
    dest: Destination


@pytest.fixture
def setup(sim: SimCluster, tmp_path: Path) -> Iterator[Setup]:
    repo = GitRepo.create(
        tmp_path / "root",
        files={"apps/team.yaml": _appset(["a", "b"]), "apps/plain.yaml": _application("plain")},
    )
    config = ControllerConfig(repo=repo.url, path="apps", namespace=NAMESPACE)
    cluster = Cluster.from_kubeconfig(sim.kubeconfig, name="in-cluster")
    for namespace in (NAMESPACE, "a", "b", "plain"):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    repos = RepoCache(tmp_path / "cache")
    charts = HelmRepoCache(None)
    policy = LocalRepoPolicy(repo.url)
    registry = ClusterRegistry(lambda dest: None)
    dest = registry.add(local_record(), lambda: cluster)
    dest.cache.ensure_kind("v1", "ConfigMap")
    statuses = StatusStore(cluster, NAMESPACE)
    forgotten: list[str] = []
    root = Root(
        config,
        repos=repos,
        trees=lambda: policy.guard(repo_tree_provider(repos)),
        revisions=Revisions(repos, charts, None, policy, Metrics()),
        registry=registry,
        projects=ProjectSource(cluster, NAMESPACE),
        generator_env=generator_env(config, cluster),
        requeue=RequeueTimer(lambda seconds: None),
        cluster=cluster,
        repo_credentials=SecretCredentials(Credentials()),
        statuses=statuses,
        forget=forgotten.append,
    )
    try:
        yield Setup(root, repo, cluster, statuses, forgotten, dest)
    finally:
        registry.close()
        repos.close()
        charts.close()


def _configmap(namespace: str, name: str, owner: str, **annotations: str) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"v": "1"},
    }
    add_tracking(obj, owner, ResourceKey.of(obj))
    obj["metadata"]["annotations"].update(annotations)
    return obj


def _wait_cached(setup: Setup, count: int) -> None:
    """Until the destination's watch cache holds `count` tracked ConfigMaps: a removal
    reads the candidates from it."""
    dest = setup.dest

    def cached() -> bool:
        return len(dest.cache.by_label(TRACKING_LABEL)) >= count

    wait_for(cached, what=f"{count} tracked ConfigMaps in the watch cache")


def _exists(setup: Setup, namespace: str, name: str) -> bool:
    return setup.cluster.get("v1", "ConfigMap", namespace, name) is not None


def test_each_commit_yields_its_apps_and_only_the_changed_ones_are_named(setup: Setup) -> None:
    root = setup.root
    assert root.poll() == ["a", "b", "plain"]
    assert root.sha == setup.repo.head
    assert root.error == ""
    assert root.reload(with_cluster_secrets=False) == []  # the commit did not move
    setup.repo.commit(files={"apps/team.yaml": _appset(["a", "b", "c"])})
    assert root.reload(with_cluster_secrets=False) == ["c"]
    assert sorted(root.inventory.apps) == ["a", "b", "c", "plain"]
    assert root.inventory.owner == {"a": "team", "b": "team", "c": "team"}
    assert setup.forgotten == []


def test_a_generated_app_that_leaves_takes_only_what_it_provably_owns(setup: Setup) -> None:
    root, cluster = setup.root, setup.cluster
    root.poll()
    owned = _configmap("b", "owned", "b")
    copied = _configmap("b", "copied", "b")  # the annotation names another object
    copied["metadata"]["annotations"] = dict(owned["metadata"]["annotations"])
    kept = _configmap("b", "kept", "b", **{SYNC_OPTIONS: "Delete=false"})
    for obj in (owned, copied, kept, _configmap("a", "other", "a")):
        cluster.create(obj)
    for name in ("a", "b", "plain"):
        setup.statuses.save(AppStatus(name=name))
    _wait_cached(setup, 4)

    setup.repo.commit(files={"apps/team.yaml": _appset(["a"])})
    assert root.reload(with_cluster_secrets=False) == []

    assert setup.forgotten == ["b"]
    assert sorted(root.inventory.apps) == ["a", "plain"]
    assert not _exists(setup, "b", "owned")
    assert _exists(setup, "b", "copied")
    assert _exists(setup, "b", "kept")
    assert _exists(setup, "a", "other")
    assert sorted(setup.statuses.load_all()) == ["a", "plain"]


def test_a_plain_app_deleted_from_git_is_forgotten_and_its_resources_stay(setup: Setup) -> None:
    root = setup.root
    root.poll()
    setup.cluster.create(_configmap("plain", "owned", "plain"))
    _wait_cached(setup, 1)
    setup.repo.commit(delete=["apps/plain.yaml"])
    root.reload(with_cluster_secrets=False)
    assert setup.forgotten == ["plain"]
    assert _exists(setup, "plain", "owned")


def test_an_invalid_document_keeps_its_app_and_a_deleted_appset_keeps_resources(
    setup: Setup,
) -> None:
    root = setup.root
    root.poll()
    invalid = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: plain}\n"
    setup.repo.commit(files={"apps/plain.yaml": invalid})
    root.reload(with_cluster_secrets=False)
    assert "plain" in root.inventory.apps
    assert list(root.inventory.invalid) and setup.forgotten == []

    setup.cluster.create(_configmap("a", "owned", "a"))
    _wait_cached(setup, 1)
    setup.repo.commit(delete=["apps/team.yaml"])
    root.reload(with_cluster_secrets=False)
    assert sorted(setup.forgotten) == ["a", "b"]
    assert _exists(setup, "a", "owned")  # an ApplicationSet's deletion does not cascade


def test_an_unreadable_root_keeps_the_last_inventory_and_says_why(setup: Setup) -> None:
    root = setup.root
    root.poll()
    setup.repo.commit(files={"apps/team.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: [\n"})
    root.reload(with_cluster_secrets=False)
    assert sorted(root.inventory.apps) == ["a", "b", "plain"]
    assert root.error.startswith("root ")
    assert setup.forgotten == []


def test_a_git_generator_reads_every_commit_afresh(setup: Setup) -> None:
    root, repo = setup.root, setup.repo
    generated = yaml.safe_load(_appset([]))
    generated["metadata"]["name"] = "dirs"
    generated["spec"]["generators"] = [
        {"git": {"repoURL": repo.url, "revision": "HEAD", "directories": [{"path": "dirs/*"}]}}
    ]
    template = generated["spec"]["template"]
    template["metadata"]["name"] = "dir-{{path.basename}}"
    template["spec"]["destination"]["namespace"] = "{{path.basename}}"
    template["spec"]["source"]["path"] = "{{path}}"
    repo.commit(
        files={
            "apps/dirs.yaml": yaml.safe_dump(generated),
            "dirs/one/cm.yaml": "a: 1\n",
            "dirs/two/cm.yaml": "a: 1\n",
        }
    )
    root.poll()
    assert {"dir-one", "dir-two"} <= set(root.inventory.apps)
    repo.commit(delete=["dirs/two/cm.yaml"])
    root.reload(with_cluster_secrets=False)
    assert "dir-two" not in root.inventory.apps
    assert setup.forgotten == ["dir-two"]
