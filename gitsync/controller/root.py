"""The root path: which Applications exist, read from the root repository at its latest
commit (its Applications plus what its ApplicationSets generate), the cluster Secrets
and repository Secrets read beside it, and the apps that left it.

Reading the root is the one place apps appear and disappear: a removed app's state is
forgotten here, and its resources are deleted only when its ApplicationSet's policy says
so and only those it provably owns (removal.py). A root that cannot be read keeps the
last inventory and says why (`error`, shown by /readyz).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from gitsync.appset import TreeProvider, clusters_from_secrets
from gitsync.appset.cluster import SECRET_TYPE_CLUSTER, SECRET_TYPE_LABEL
from gitsync.appset.context import GeneratorEnv
from gitsync.controller.appsetenv import RequeueTimer
from gitsync.controller.clusters import ClusterRegistry, ClusterSpec
from gitsync.controller.config import ControllerConfig
from gitsync.controller.inventory import (
    Inventory,
    Removal,
    build_inventory,
    sources_of,
    spec_digest,
)
from gitsync.controller.projects import ProjectSource
from gitsync.controller.removal import delete_owned
from gitsync.controller.reposecrets import refresh_repo_secrets
from gitsync.controller.revisions import Revisions
from gitsync.controller.status import StatusStore
from gitsync.errors import GitsyncError
from gitsync.kube import Cluster
from gitsync.model import SourceKey
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.source import RepoCache, redact_url
from gitsync.source.gitauth import SecretCredentials

log = structlog.get_logger("gitsync.controller")


class Root:
    """The inventory of Applications the root repository yields now. Thread-safe: the
    inventory is replaced as a whole, never changed in place."""

    def __init__(
        self,
        config: ControllerConfig,
        *,
        repos: RepoCache,
        trees: Callable[[], TreeProvider],
        revisions: Revisions,
        registry: ClusterRegistry,
        projects: ProjectSource,
        generator_env: GeneratorEnv,
        requeue: RequeueTimer,
        cluster: Cluster,
        repo_credentials: SecretCredentials,
        statuses: StatusStore,
        forget: Callable[[str], None],
    ) -> None:
        """`trees` makes a reader of the repositories ApplicationSet generators name (guarded
        by the local-repository policy), one per load since it remembers what it read;
        `forget` drops what the controller keeps of a removed app."""
        self._config = config
        self._repos = repos
        self._trees = trees
        self._revisions = revisions
        self._registry = registry
        self._projects = projects
        self._generator_env = generator_env
        self._requeue = requeue
        self._cluster = cluster
        self._repo_credentials = repo_credentials
        self._statuses = statuses
        self._forget = forget
        self._lock = threading.Lock()
        self._inventory = Inventory()
        self._sha = ""
        self._error = ""

    @property
    def inventory(self) -> Inventory:
        with self._lock:
            return self._inventory

    @property
    def sha(self) -> str:
        """The root commit the inventory was read at ("" before the first read)."""
        with self._lock:
            return self._sha

    @property
    def error(self) -> str:
        """Why the last refresh failed; "" once one worked."""
        with self._lock:
            return self._error

    def poll(self) -> list[str]:
        """Re-read the root and the Secrets, resolve every source again; every app's name,
        since a poll compares every app."""
        self.reload(with_cluster_secrets=True)
        inventory = self.inventory
        for key in sorted(sources_of(inventory.apps)):
            try:
                self._revisions.resolve(key, force=True)
            except GitsyncError as err:
                log.warning("source unreachable", repo=redact_url(key.repo), error=str(err))
        return sorted(inventory.apps)

    def requeue_appsets(self) -> list[str]:
        """Expand the ApplicationSets again at the root commit already loaded, when their
        generators' requeueAfterSeconds is due; the apps that are new or changed."""
        sha = self.sha
        if not sha or not self._requeue.take():
            return []
        try:
            return self.load(sha)
        except GitsyncError as err:
            log.warning("applicationsets not expanded again", error=str(err))
            self._requeue.plan(self.inventory.requeue_after)
            return []

    def reload(self, *, with_cluster_secrets: bool) -> list[str]:
        """Re-read the root when its commit moved (or the last read failed); the apps that
        are new or changed, [] when nothing was re-read. A failure is kept in `error`."""
        cfg = self._config
        changed: list[str] = []
        try:
            if with_cluster_secrets:  # before the root: it may need a repository Secret
                refresh_repo_secrets(self._cluster, cfg.namespace, self._repo_credentials)
            sha = self._revisions.resolve(SourceKey(cfg.repo, cfg.revision or "HEAD"), force=True)
            if with_cluster_secrets:
                self.refresh_cluster_secrets()
                self._projects.load_cluster()
            if sha != self.sha or self.error:
                changed = self.load(sha)
            error = ""
        except GitsyncError as err:
            error = f"root {redact_url(cfg.repo)}: {err}"
            log.warning("root refresh failed", error=str(err))
        with self._lock:
            self._error = error
        return changed

    def load(self, sha: str) -> list[str]:
        """Load the root at `sha` and remove the apps that left it; the apps that are new
        or whose spec changed."""
        cfg = self._config
        tree = self._repos.tree(cfg.repo, sha)
        previous = self.inventory
        inventory, removals = build_inventory(
            tree,
            cfg.path,
            previous,
            self._trees(),
            self._registry.records(),
            self._generator_env,
            cfg.limits,
        )
        self._requeue.plan(inventory.requeue_after)
        self._projects.load_root(tree, cfg.path)
        for appset, why in inventory.errors.items():
            log.warning("applicationset kept its previous applications", appset=appset, error=why)
        for where, why in inventory.invalid.items():
            log.warning("document refused", location=where, error=why)
        with self._lock:
            self._inventory = inventory
            self._sha = sha
        for removal in removals:
            self.remove(removal)
        log.info("root loaded", revision=sha[:12], apps=len(inventory.apps))
        return [
            name
            for name, app in sorted(inventory.apps.items())
            if name not in previous.apps or spec_digest(previous.apps[name]) != spec_digest(app)
        ]

    def refresh_cluster_secrets(self) -> None:
        """Connect the clusters Argo CD cluster Secrets name that are not connected yet."""
        cfg = self._config
        try:
            secrets = self._cluster.list(
                "v1",
                "Secret",
                namespace=cfg.namespace,
                label_selector=f"{SECRET_TYPE_LABEL}={SECRET_TYPE_CLUSTER}",
            )
            records = clusters_from_secrets(list[Mapping[str, Any]](secrets))
        except GitsyncError as err:
            log.warning("cannot read cluster secrets", error=str(err))
            return
        for record in records:
            if self._registry.find(record.server, "") is None:
                try:
                    self._registry.add_spec(
                        ClusterSpec(record, config=record.config), cfg.qps, cfg.burst
                    )
                except GitsyncError as err:
                    log.warning("cannot connect cluster", cluster=record.name, error=str(err))

    def remove(self, removal: Removal) -> None:
        """Forget an app that left the root; with `prune`, delete what it provably owns."""
        app = removal.app
        log.info("application removed", app=app.name, prune=removal.prune)
        if removal.prune:
            dest = self._registry.find(app.destination.server, app.destination.name)
            if dest is not None:
                delete_owned(
                    dest.cluster, dest.cache.by_label(f"{TRACKING_LABEL}={app.name}"), app.name
                )
        self._forget(app.name)
        try:
            self._statuses.delete(app.name)
        except GitsyncError as err:
            log.warning("cannot delete app status", app=app.name, error=str(err))
