"""The controller: polls Git, keeps Applications reconciled, runs automated syncs.

Threads: an APScheduler job queues a root refresh every poll interval; `concurrency`
workers take keys from one coalescing `WorkQueue` (the root key or an app name), so an
app is never processed by two workers and bursts of events collapse into one reconcile.
A sync operation runs a few steps per visit and re-queues its app, so a long sync does
not hold a worker while others wait, and every step is persisted (restart-safe).
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from gitsync import rollouts
from gitsync.appset import clusters_from_secrets, repo_tree_provider
from gitsync.appset.cluster import SECRET_TYPE_CLUSTER, SECRET_TYPE_LABEL
from gitsync.controller.appsetenv import RequeueTimer, generator_env
from gitsync.controller.appsources import SourceRenderer, refuse_duplicates, renderer_for
from gitsync.controller.argocdcm import ArgoCdConfigMap
from gitsync.controller.cachedcluster import CachedCluster, CachedKubePort
from gitsync.controller.clusters import (
    ClusterRegistry,
    ClusterSpec,
    Destination,
    load_clusters_file,
    local_record,
)
from gitsync.controller.config import ControllerConfig
from gitsync.controller.gates import StartGates
from gitsync.controller.inventory import (
    Inventory,
    Removal,
    app_inputs,
    build_inventory,
    sources_of,
    spec_digest,
)
from gitsync.controller.leader import LeaderElector
from gitsync.controller.ordering import parse_depends_on, parse_wave
from gitsync.controller.projects import ProjectSource, window_wait
from gitsync.controller.push import apps_for_push, root_matches_push
from gitsync.controller.removal import delete_owned
from gitsync.controller.reposecrets import refresh_repo_secrets
from gitsync.controller.scope import check_scope
from gitsync.controller.settings import rolling_policy, self_heal_delay, sync_settings
from gitsync.controller.status import AppStatus, ResourceStatus, StatusStore, SyncResult
from gitsync.controller.workqueue import WorkQueue
from gitsync.diff import IgnoreDifferences
from gitsync.diff.live import LiveDiffer
from gitsync.errors import ActionRefused, GitsyncError, UnknownKindError
from gitsync.health import aggregate, assess, load_directory, use_lua_scripts
from gitsync.kube import Cluster
from gitsync.metrics import Metrics
from gitsync.model import Application, AutomatedSync, Manifest, SourceKey
from gitsync.model.annotations import TRACKING_LABEL, SyncOptions
from gitsync.model.enums import OperationPhase
from gitsync.model.keys import ResourceKey
from gitsync.project import AppProject
from gitsync.project.enforce import check_application, check_objects, project_of
from gitsync.push.payloads import PushEvent
from gitsync.source import (
    Credentials,
    HelmRepoCache,
    RepoCache,
    helm_credentials_from_env,
    redact_url,
)
from gitsync.source.gitauth import SecretCredentials
from gitsync.source.localrepos import LocalRepoPolicy
from gitsync.sync.kubeport import KubePort
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.selection import ResourceSelector, SelectionError, resolve
from gitsync.sync.state import OperationState
from gitsync.sync.store import OPERATION_SELECTOR, OperationStore

log = structlog.get_logger("gitsync.controller")

ROOT_KEY = "\x00root"  # a poll: refresh the root and every source, then resync every app
PUSH_ROOT_KEY = "\x00root-push"  # a push: refresh the root, reconcile only what it changed
REQUEUE_KEY = "\x00appsets"  # generators' requeueAfterSeconds: expand the ApplicationSets again
PUSH_ROOT_DELAY = 0.3
STEP_BUDGET = 0.5  # seconds of sync steps per visit before the app goes back in line
STEP_PAUSE = 0.05


@dataclass
class _Operation:
    request: SyncRequest
    state: OperationState
    automated: bool
    inputs: str
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class _Compared:
    """An app as this reconcile compared it: what a sync would start from."""

    app: Application
    status: AppStatus
    manifests: list[Manifest]
    namespace: str
    sha: str
    inputs: str
    ignore: IgnoreDifferences
    dest: Destination
    project: AppProject
    pinned: str = ""  # the SHA a rollback or `sync --revision` pinned this compare to


class Controller:
    """Implements `gitsync.server.view.ControllerView`."""

    def __init__(
        self,
        config: ControllerConfig,
        metrics: Metrics | None = None,
        *,
        self_heal_base: float | None = None,
        repo_cache: RepoCache | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        base = os.environ.get("GITSYNC_SELF_HEAL_BACKOFF")
        self.self_heal_base = self_heal_base if self_heal_base is not None else float(base or 2.0)
        cache_dir = Path(config.cache_dir) if config.cache_dir else None
        # Argo CD repository Secrets first, then the environment's credentials.
        self.repo_credentials = SecretCredentials(
            Credentials.from_env(), helm_credentials_from_env()
        )
        self.repos = repo_cache or RepoCache(cache_dir, self.repo_credentials)
        # Every repoURL from Git passes this before anything is read: see localrepos.
        self.local_repos = LocalRepoPolicy(config.repo, config.allow_local_repos)
        # The index TTL only merges the fetches of one poll's apps: every poll sees new charts.
        self.charts = HelmRepoCache(
            cache_dir / "helm" if cache_dir else None,
            index_ttl=min(config.poll_interval / 2, 30.0),
        )
        self.chart_credentials = self.repo_credentials
        self.renderer = renderer_for(config, self.charts, self.chart_credentials)
        self.sources = SourceRenderer(
            self.repos, self.charts, self.renderer, self.chart_credentials
        )
        self.queue = WorkQueue(observer=self.metrics)
        self._lock = threading.RLock()
        self._inventory = Inventory()
        self._statuses: dict[str, AppStatus] = {}
        self._saved: dict[str, dict[str, Any]] = {}
        self._root_sha = ""
        self._root_error = ""
        self._shas: dict[SourceKey, str] = {}
        self._stale: set[SourceKey] = set()
        self._git_errors: dict[SourceKey, str] = {}
        self._ops: dict[str, _Operation] = {}
        self._sync_requested: set[str] = set()
        # (prune, dry run, resources of a selective sync) asked
        self._sync_options: dict[str, tuple[bool, bool, tuple[ResourceKey, ...]]] = {}
        self._terminating: set[str] = set()
        self._desired: dict[str, list[dict[str, Any]]] = {}  # app -> objects last compared
        self._refused_syncs: dict[str, str] = {}  # app -> why its last sync request failed
        self._pinned: dict[str, str] = {}  # app -> revision a rollback syncs to, once
        self._diffs: dict[str, list[dict[str, Any]]] = {}  # per app, for the web UI
        self._heal_attempts: dict[str, int] = {}
        self.gates = StartGates(
            self._lock, lambda: self._inventory, self._saved, self._shas, self._has_operation
        )
        self._ready = threading.Event()
        self._statuses_loaded = threading.Event()
        self._reason = "initial reconcile not finished"
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._scheduler: BackgroundScheduler | None = None
        self._leader: LeaderElector | None = None
        self._leading = threading.Event()
        self._registry = ClusterRegistry(self._connected, config.watched_namespaces)
        self._differs: dict[int, LiveDiffer] = {}
        self._runners: dict[int, SyncRunner] = {}
        self.local = self._local_cluster()
        self.local.stats.add_observer(functools.partial(self.metrics.api_request, "in-cluster"))
        self.statuses = StatusStore(self.local, config.namespace)
        self.op_store = OperationStore(KubePort(self.local), config.namespace)
        self.generator_env = generator_env(config, self.local)
        self._requeue = RequeueTimer(lambda seconds: self.queue.add_after(REQUEUE_KEY, seconds))
        self.projects = ProjectSource(self.local, config.namespace)
        self._file_clusters: list[ClusterSpec] = (
            load_clusters_file(config.clusters) if config.clusters else []
        )
        if config.health_lua:
            use_lua_scripts("directory", load_directory(config.health_lua))
        self.argocd_cm = (
            ArgoCdConfigMap(self.local, config.namespace, config.argocd_cm, self._requeue_apps)
            if config.argocd_cm
            else None
        )

    def _local_cluster(self) -> Cluster:
        cfg = self.config
        in_pod = os.environ.get("KUBERNETES_SERVICE_HOST") and not (
            cfg.kubeconfig or cfg.context or os.environ.get("KUBECONFIG")
        )
        if in_pod:
            return Cluster.in_cluster(qps=cfg.qps, burst=cfg.burst, name="in-cluster")
        return Cluster.from_kubeconfig(
            cfg.kubeconfig, cfg.context, qps=cfg.qps, burst=cfg.burst, name="in-cluster"
        )

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self._ensure_namespace()
        self._load_statuses()
        local = self.local
        self._registry.add(local_record(), lambda: local)
        for spec in self._file_clusters:
            self._registry.add_spec(spec, self.config.qps, self.config.burst)
        if self.argocd_cm is not None:
            self.argocd_cm.start()
        for index in range(self.config.concurrency):
            worker = threading.Thread(target=self._work, name=f"reconcile-{index}", daemon=True)
            worker.start()
            self._workers.append(worker)
        if self.config.leader_election:
            self._leader = LeaderElector(
                self.local,
                self.config.namespace,
                on_started_leading=self._started_leading,
                on_stopped_leading=self._stopped_leading,
            )
            self._leader.start()
        else:
            self._started_leading()
        interval = self.config.poll_interval
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.add_job(
            self.poll,
            "interval",
            seconds=interval,
            jitter=max(interval * self.config.poll_jitter, 0.0) or None,
            coalesce=True,
            max_instances=1,
            id="poll",
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("controller started", config=self.config.redacted())

    def _load_statuses(self) -> bool:
        """Load stored statuses once; until that worked no app is reconciled, so a start
        during an API outage cannot overwrite the history with empty statuses."""
        if self._statuses_loaded.is_set():
            return True
        try:
            loaded = self.statuses.load_all()
        except GitsyncError as err:
            log.warning("could not load app statuses", error=str(err))
            return False
        with self._lock:
            for name, status in loaded.items():
                self._statuses.setdefault(name, status)
                self._saved[name] = _comparable(status)
            resume = [n for n, s in loaded.items() if _running(s)]
        self._statuses_loaded.set()
        for name in resume:
            self.queue.add(name)
        return True

    def _prime_operations(self) -> None:
        """One LIST of the stored operations instead of a GET per app on a cold start."""
        try:
            found = self.local.list(
                "v1",
                "ConfigMap",
                namespace=self.config.namespace,
                label_selector=OPERATION_SELECTOR,
            )
        except GitsyncError as err:
            log.warning("could not list stored operations", error=str(err))
            return  # each app's first load reads its own
        self.op_store.prime(found)

    def _stopped_leading(self) -> None:
        self._leading.clear()
        self.op_store.unprime()  # another leader writes operations from now on
        self.metrics.set_leader(False)

    def _started_leading(self) -> None:
        self._leading.set()
        self.metrics.set_leader(True)
        self.metrics.shards_held.set(1)
        self._prime_operations()
        self.poll()
        with self._lock:
            resume = [n for n, s in self._statuses.items() if _running(s)]
        for name in resume:
            self.queue.add(name)

    def _ensure_namespace(self) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": self.config.namespace},
        }
        try:
            if self.local.get("v1", "Namespace", None, self.config.namespace) is None:
                self.local.create(body)
        except GitsyncError as err:
            log.warning("could not ensure the controller namespace", error=str(err))

    def stop(self) -> None:
        """Stop taking work, let running steps finish (each is persisted), release the Lease."""
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        self.queue.shutdown()
        self.renderer.close()  # a render in a child process ends now, not at its timeout
        for worker in self._workers:
            worker.join(timeout=30)
        if self._leader is not None:
            self._leader.stop(release=True)
        if self.argocd_cm is not None:
            self.argocd_cm.stop()
        self._registry.close()
        self.repos.close()
        self.charts.close()
        log.info("controller stopped")

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def poll(self) -> None:
        self.queue.add(ROOT_KEY)

    # -- ControllerView ---------------------------------------------------------------------
    def ready(self) -> bool:
        # a replica that lost the Lease stops acting on webhooks: it stops being ready too
        return self._ready.is_set() and self.is_leader

    def ready_reason(self) -> str:
        if not self.is_leader:
            return "waiting for leadership"
        return self._root_error or self._reason

    def on_push(self, event: PushEvent) -> int:
        with self._lock:
            apps = list(self._inventory.apps.values())
        matched = apps_for_push(apps, event)
        with self._lock:
            self._stale.update(key for a in matched for key in a.source_keys)
        for app in matched:
            # ahead of a poll's resync of every app: a push is what someone waits for
            self.queue.add_first(app.name)
        queued = len(matched)
        cfg = self.config
        if root_matches_push(cfg.repo, cfg.revision, cfg.path, event):
            # after the pushed apps have started: re-reading a large root holds the
            # interpreter for a while, and nobody waits on it the way they wait on a sync
            self.queue.add_after(PUSH_ROOT_KEY, PUSH_ROOT_DELAY)
            queued += 1
        return queued

    def applications(self) -> Sequence[dict[str, Any]]:
        with self._lock:
            return [self._view(self._statuses[n]) for n in sorted(self._statuses)]

    def application(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            status = self._statuses.get(name)
            return self._view(status) if status is not None else None

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool:
        with self._lock:
            app = self._inventory.apps.get(name)
            if app is None:
                return False
            selected = _selected(self._statuses.get(name), resources)
            if revision:
                _check_sync_revision(app, revision, dry_run)
                self._pinned[name] = revision  # resolved to a SHA by the reconcile
            self._refused_syncs.pop(name, None)
            self._sync_requested.add(name)
            self._sync_options[name] = (prune, dry_run, selected)
        self.queue.add(name)
        return True

    # -- actions of the web UI and its API ----------------------------------------------
    def refresh(self, name: str, *, hard: bool = False) -> bool:
        with self._lock:
            app = self._inventory.apps.get(name)
            if app is None:
                return False
            self._stale.update(app.source_keys)
        if hard:
            self.renderer.cache.clear()  # render again, whatever the cache holds
        self.queue.add_first(name)
        return True

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        with self._lock:
            status = self._statuses.get(name)
            if name not in self._inventory.apps or status is None:
                return False
            status.auto_sync_suspended = suspended
        self.queue.add_first(name)  # the reconcile saves it
        return True

    def manifests(self, name: str) -> list[dict[str, Any]] | None:
        with self._lock:
            if name not in self._inventory.apps:
                return None
            return list(self._desired.get(name, []))

    def terminate(self, name: str) -> bool:
        """Ended by the next visit: the runner fails the operation through its persisted
        state, deleting running hooks (`_drive`)."""
        with self._lock:
            if name not in self._ops:
                return False
            self._terminating.add(name)
        self.queue.add_first(name)
        return True

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        with self._lock:
            app = self._inventory.apps.get(name)
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        if not any(
            (r.kind, r.namespace, r.name) == ("Rollout", namespace, rollout)
            for r in status.resources
        ):
            raise ActionRefused(404, f"Rollout/{namespace}/{rollout} is not a resource of {name}")
        dest = self._registry.find(app.destination.server, app.destination.name)
        if dest is None:
            raise ActionRefused(409, f"the destination cluster of {name} is not connected")
        act = rollouts.promote if action == "promote" else rollouts.abort
        try:
            act(dest.cluster, rollout, namespace)
        except GitsyncError as err:
            raise ActionRefused(502, str(err)) from None
        log.info("rollout action", app=name, action=action, rollout=f"{namespace}/{rollout}")
        self.queue.add_first(name)

    def diff(self, name: str) -> Sequence[Mapping[str, Any]] | None:
        with self._lock:
            return self._diffs.get(name)

    def rollback(self, name: str, history_id: int) -> None:
        """Sync `name` to the revision of its history entry `history_id` (0: oldest kept),
        once; refused while automated sync would undo it at once (as Argo CD refuses)."""
        with self._lock:
            app = self._inventory.apps.get(name)
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        if app.sync_policy.automated is not None:
            raise ActionRefused(409, f"rollback of {name} refused: automated sync is enabled")
        if len(app.sources) != 1 or app.sources[0].chart:
            raise ActionRefused(409, "rollback needs an app with one Git source")
        if not 0 <= history_id < len(status.history):
            raise ActionRefused(404, f"{name} has no history entry {history_id}")
        with self._lock:
            self._pinned[name] = status.history[history_id].revision
            self._sync_requested.add(name)
        log.info("rollback requested", app=name, revision=self._pinned[name][:12])
        self.queue.add_first(name)

    def _view(self, status: AppStatus) -> dict[str, Any]:
        return status.to_dict()

    # -- workers ----------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            key = self.queue.get()
            if key is None:
                return
            try:
                if self._stopping.is_set() or not self.is_leader:
                    continue
                if not self._load_statuses():
                    self.queue.add_after(key, 1.0)
                    continue
                if key == ROOT_KEY:
                    self._refresh_root()
                elif key == PUSH_ROOT_KEY:
                    self._refresh_root_after_push()
                elif key == REQUEUE_KEY:
                    self._requeue_appsets()
                else:
                    self._reconcile(key)
            except Exception:  # a bug in one reconcile must not kill the worker
                shown = "root" if key in (ROOT_KEY, PUSH_ROOT_KEY, REQUEUE_KEY) else key
                log.exception("reconcile failed", key=shown)
            finally:
                structlog.contextvars.clear_contextvars()
                self.queue.done(key)

    # -- Git --------------------------------------------------------------------------------
    def _resolve(self, key: SourceKey, *, force: bool) -> str:
        """The commit SHA (or, for a Helm repository chart, the version) `key` stands for."""
        repo = key.repo
        with self._lock:
            known = self._shas.get(key)
            force = force or key in self._stale
        if known and not force:
            return known
        started = time.perf_counter()
        try:
            self.local_repos.check(repo)
            if key.chart:
                sha = self.charts.resolve(repo, key.chart, key.revision, self.chart_credentials)
            else:
                sha = self.repos.resolve(repo, key.revision)
        except GitsyncError as err:
            self.metrics.git_fetch(redact_url(repo), time.perf_counter() - started, False)
            with self._lock:
                self._git_errors[key] = str(err)
            if known:
                log.warning("git unreachable, keeping last revision", repo=redact_url(repo))
                return known
            raise
        self.metrics.git_fetch(redact_url(repo), time.perf_counter() - started, True)
        with self._lock:
            self._git_errors.pop(key, None)
            self._stale.discard(key)
            self._shas[key] = sha
        return sha

    def _refresh_root(self) -> None:
        self._reload_root(with_cluster_secrets=True)
        with self._lock:
            sources = sources_of(self._inventory.apps)
            names = sorted(self._inventory.apps)
        for key in sorted(sources):
            try:
                self._resolve(key, force=True)
            except GitsyncError as err:
                log.warning("source unreachable", repo=redact_url(key.repo), error=str(err))
        for name in names:  # periodic resync: cheap when nothing changed
            self.queue.add(name)
        if not self._root_error or self._root_sha:
            self._ready.set()

    def _refresh_root_after_push(self) -> None:
        """Only the root: the pushed apps were queued by the push itself, and resyncing
        every app here would put a 1,000-app backlog in front of the next push."""
        for name in self._reload_root(with_cluster_secrets=False):
            self.queue.add(name)

    def _requeue_appsets(self) -> None:
        """Expand the ApplicationSets again at the root commit already loaded."""
        with self._lock:
            sha = self._root_sha
        if not sha or not self._requeue.take():
            return
        try:
            changed = self._load_root(sha)
        except GitsyncError as err:
            log.warning("applicationsets not expanded again", error=str(err))
            with self._lock:
                self._requeue.plan(self._inventory.requeue_after)
            return
        for name in changed:
            self.queue.add(name)

    def _reload_root(self, *, with_cluster_secrets: bool) -> list[str]:
        """Re-read the root when its commit moved (or the last read failed); the apps that
        are new or changed, [] when nothing was re-read. A failure is kept for /readyz."""
        cfg = self.config
        changed: list[str] = []
        try:
            if with_cluster_secrets:  # before the root: it may need a repository Secret
                refresh_repo_secrets(self.local, cfg.namespace, self.repo_credentials)
            sha = self._resolve(SourceKey(cfg.repo, cfg.revision or "HEAD"), force=True)
            if with_cluster_secrets:
                self._refresh_cluster_secrets()
                self.projects.load_cluster()
            if sha != self._root_sha or self._root_error:
                changed = self._load_root(sha)
            self._root_error = ""
        except GitsyncError as err:
            self._root_error = f"root {redact_url(cfg.repo)}: {err}"
            log.warning("root refresh failed", error=str(err))
        return changed

    def _load_root(self, sha: str) -> list[str]:
        """Load the root at `sha`; the apps that are new or whose spec changed."""
        cfg = self.config
        tree = self.repos.tree(cfg.repo, sha)
        with self._lock:
            previous = self._inventory
        inventory, removals = build_inventory(
            tree,
            cfg.path,
            previous,
            self.local_repos.guard(repo_tree_provider(self.repos)),
            self._registry.records(),
            self.generator_env,
            cfg.limits,
        )
        self._requeue.plan(inventory.requeue_after)
        self.projects.load_root(tree, cfg.path)
        for appset, why in inventory.errors.items():
            log.warning("applicationset kept its previous applications", appset=appset, error=why)
        for where, why in inventory.invalid.items():
            log.warning("document refused", location=where, error=why)
        with self._lock:
            self._inventory = inventory
            self._root_sha = sha
        for removal in removals:
            self._remove(removal)
        log.info("root loaded", revision=sha[:12], apps=len(inventory.apps))
        return [
            name
            for name, app in sorted(inventory.apps.items())
            if name not in previous.apps or spec_digest(previous.apps[name]) != spec_digest(app)
        ]

    def _refresh_cluster_secrets(self) -> None:
        try:
            secrets = self.local.list(
                "v1",
                "Secret",
                namespace=self.config.namespace,
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
                        ClusterSpec(record, config=record.config),
                        self.config.qps,
                        self.config.burst,
                    )
                except GitsyncError as err:
                    log.warning("cannot connect cluster", cluster=record.name, error=str(err))

    def _remove(self, removal: Removal) -> None:
        app = removal.app
        log.info("application removed", app=app.name, prune=removal.prune)
        if removal.prune:
            dest = self._registry.find(app.destination.server, app.destination.name)
            if dest is not None:
                delete_owned(
                    dest.cluster, dest.cache.by_label(f"{TRACKING_LABEL}={app.name}"), app.name
                )
        with self._lock:
            self._statuses.pop(app.name, None)
            self._saved.pop(app.name, None)
            self._ops.pop(app.name, None)
            self._refused_syncs.pop(app.name, None)
            self._desired.pop(app.name, None)
        try:
            self.statuses.delete(app.name)
        except GitsyncError as err:
            log.warning("cannot delete app status", app=app.name, error=str(err))

    # -- clusters ---------------------------------------------------------------------------
    def _connected(self, dest: Destination) -> None:
        if dest.cluster is not self.local:
            observe = functools.partial(self.metrics.api_request, dest.record.name)
            dest.cluster.stats.add_observer(observe)
        self._differs[id(dest)] = LiveDiffer(CachedCluster(dest.cluster, dest.cache))
        port = CachedKubePort(dest.cluster, dest.cache, self.config.watched_namespaces)
        self._runners[id(dest)] = SyncRunner(port, self.op_store, poll_interval=0.2)
        dest.cache.add_listener(self._on_live_change)

    def _requeue_apps(self) -> None:
        """Health scripts or ignore rules changed: every app is compared again."""
        with self._lock:
            names = sorted(self._inventory.apps)
        for name in names:
            self.queue.add(name)

    def _on_live_change(self, event_type: str, obj: dict[str, Any]) -> None:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        app = labels.get(TRACKING_LABEL)
        if not app:
            return
        with self._lock:
            known = app in self._inventory.apps
        if known:
            self.queue.add(str(app))

    # -- reconcile --------------------------------------------------------------------------
    def _reconcile(self, name: str) -> None:
        with self._lock:
            app = self._inventory.apps.get(name)
            if app is None:
                return
            status = self._statuses.get(name) or AppStatus(name=name)
            self._statuses[name] = status
            status.appset = self._inventory.owner.get(name, "")
        status.wave = parse_wave(app.annotations)
        status.depends_on = list(parse_depends_on(app.annotations))
        structlog.contextvars.bind_contextvars(app=name)
        started = time.perf_counter()
        src = (app.rendered_sources or app.sources)[0]
        status.project = app.project
        status.labels = dict(app.labels)
        status.sync_policy = _policy_text(app)
        status.repo = redact_url(src.repo_url)
        status.path = src.path
        status.chart = src.chart
        status.target_revision = src.key.revision
        status.destination = app.destination.server or app.destination.name
        status.destination_namespace = app.destination.namespace
        try:
            self._reconcile_app(app, status)
        except GitsyncError as err:
            if self._stopping.is_set():
                return  # e.g. a render cut short by the shutdown: not the app's state
            status.sync_status = "Unknown"
            status.message = str(err)
            status.conditions = [f"ComparisonError: {err}"]
            log.warning("reconcile error", error=str(err))
        for key in app.source_keys:
            git_error = self._git_errors.get(key)
            if git_error:
                status.conditions.append(f"SourceError: {git_error}")
        with self._lock:
            refused = self._refused_syncs.get(name)
        if refused:
            status.conditions.append(f"SyncError: {refused}")
        status.reconciled_at = time.time()
        self.metrics.observe_reconcile(name, time.perf_counter() - started)
        self._save(status)

    def _reconcile_app(self, app: Application, status: AppStatus) -> None:
        name = app.name
        unsupported = app.unsupported_source()
        if unsupported:
            raise UnsupportedSourceError(unsupported)
        resolved = {key: self._resolve(key, force=False) for key in app.source_keys}
        with self._lock:
            pinned = self._pinned.get(name)
        if pinned:
            if not _FULL_SHA.fullmatch(pinned):
                pinned = self._resolve_pin(app, pinned)
            resolved = {key: pinned for key in resolved}
        sha = app.revision_of(resolved) or ""
        structlog.contextvars.bind_contextvars(revision=sha[:12])
        if status.revision != sha or not status.commit:
            status.commit = self._commit_summary(app, sha)
        status.revision = sha
        dest = self._registry.find(app.destination.server, app.destination.name)
        if dest is None:
            wanted = app.destination.server or app.destination.name
            raise UnknownDestinationError(f"destination cluster {wanted!r} is not registered")
        project = project_of(app, self.projects.current())
        check_application(app, project, dest.record.name)
        namespace = app.destination.namespace or "default"
        rendered = self.sources.render(app, resolved, namespace, dest.cluster)
        manifests = [m for m, _ in rendered]
        desired = [_with_namespace(dest.cluster, m.obj, namespace) for m in manifests]
        if self.config.watched_namespaces:
            check_scope(namespace, desired, self.config.watched_namespaces)
        refuse_duplicates(desired, [where for _, where in rendered])
        check_objects(app, project, desired, _has_namespace, dest.record.name)
        with self._lock:
            self._desired[name] = desired
        ignore = IgnoreDifferences.from_app_spec(list(app.ignore_differences))
        if self.argocd_cm is not None:  # the ConfigMap's rules apply to every app
            ignore = IgnoreDifferences((*self.argocd_cm.ignore.rules, *ignore.rules))
        diff = self._differs[id(dest)].diff_app(name, desired, ignore=ignore)
        status.resources = [
            ResourceStatus(
                group=r.key.group,
                kind=r.key.kind,
                namespace=r.key.namespace,
                name=r.key.name,
                status=r.status.value,
            )
            for r in diff.resources
        ]
        status.sync_status = "Synced" if diff.in_sync else "OutOfSync"
        diffs = [
            {
                "kind": r.key.kind,
                "namespace": r.key.namespace,
                "name": r.key.name,
                "diff_text": r.unified,
            }
            for r in diff.resources
        ]
        with self._lock:
            self._diffs[name] = diffs
        status.message = ""
        status.conditions = []
        self._assess_health(dest, manifests, desired, status)
        inputs = app_inputs(app, sha)
        op = self._ops.get(name)
        if op is None:
            compared = _Compared(
                app, status, manifests, namespace, sha, inputs, ignore, dest, project, pinned or ""
            )
            op = self._maybe_start(compared)
        if op is not None:
            self._drive(name, op, status, dest)
        self.gates.show_step(app, status)

    def _assess_health(
        self,
        dest: Destination,
        manifests: list[Manifest],
        desired: list[dict[str, Any]],
        status: AppStatus,
    ) -> None:
        pairs: list[tuple[Manifest | None, dict[str, Any] | None]] = []
        by_key = {(r.kind, r.namespace, r.name): r for r in status.resources}
        for manifest, obj in zip(manifests, desired, strict=True):
            if manifest.sync.is_hook or manifest.sync.skip:
                continue
            key = ResourceKey.of(obj)
            live = dest.cache.get(key)
            pairs.append((manifest, live))
            found = by_key.get((key.kind, key.namespace, key.name))
            if found is not None and live is not None:
                health = assess(live)
                if health is not None:
                    found.health = health.status.value
                    found.message = health.message
        health = aggregate(pairs)
        status.health = health.status.value
        status.health_message = health.message

    def _maybe_start(self, compared: _Compared) -> _Operation | None:
        app, status, inputs = compared.app, compared.status, compared.inputs
        name = app.name
        automated = app.sync_policy.automated
        with self._lock:
            manual = name in self._sync_requested
            pin = self._pinned.get(name)
            if manual and pin and pin != compared.pinned:
                # Asked for another revision while this compare ran: compare again first,
                # so the sync starts from the revision asked for.
                self.queue.add(name)
                return None
            self._sync_requested.discard(name)
        rolling = self.gates.rolling_of(name)
        in_step = rolling is not None and rolling.step_of(app.labels) is not None
        if rolling is not None:
            # The steps start the syncs (Argo CD turns the apps' own automated sync off);
            # an app that no step selects syncs only by hand.
            automated = rolling_policy(app, rolling.default_prune) if in_step else None
        if status.auto_sync_suspended:
            automated = None  # `app set --suspend`: syncs only by hand until resumed
        resume = _running(status)
        waited_for = status.waiting_for
        if not resume:
            status.waiting_for = ""
            self.gates.stop_waiting(name)
        heal_attempt: int | None = None
        if not (manual or resume):
            if automated is None or status.sync_status != "OutOfSync":
                return None
            if inputs == status.sync_inputs:
                if not automated.self_heal:
                    return None
                attempts = self._heal_attempts.get(name, 0)
                last = status.history[-1].finished_at if status.history else 0.0
                wait = last + self_heal_delay(attempts, self.self_heal_base) - time.time()
                if wait > 0:
                    self.queue.add_after(name, wait)
                    return None
                heal_attempt = attempts + 1
            else:
                self._heal_attempts.pop(name, None)
        if not resume:
            window = window_wait(compared.project, app, compared.dest.record.name, manual)
            if window is not None:
                if manual:
                    with self._lock:
                        self._sync_requested.add(name)
                _wait(status, window.message, waited_for)
                self.queue.add_after(name, window.recheck_after)
                return None
            gate = self.gates.ordering(name)
            if not gate.open:
                # A manual request waits too; it runs once the gate opens.
                self.gates.wait(name)
                if manual:
                    with self._lock:
                        self._sync_requested.add(name)
                _wait(status, gate.waiting_for, waited_for, blocked=gate.blocked)
                return None
        claimed = False
        if in_step and not (manual or resume):
            step = self.gates.claim_step(app, status)
            if not step.may_sync:
                self.gates.wait(name)
                _wait(status, step.message, waited_for, step=step.step)
                return None
            claimed = True
        try:
            return self._start(
                compared,
                automated=automated,
                manual=manual,
                resume=resume,
                heal_attempt=heal_attempt,
            )
        finally:
            if claimed:
                self.gates.release(name)

    def _start(
        self,
        compared: _Compared,
        *,
        automated: AutomatedSync | None,
        manual: bool,
        resume: bool,
        heal_attempt: int | None,
    ) -> _Operation | None:
        app, status, inputs, dest = compared.app, compared.status, compared.inputs, compared.dest
        name = app.name
        if heal_attempt is not None:
            self._heal_attempts[name] = heal_attempt
            log.info("self-heal", attempt=heal_attempt)
        is_auto = automated is not None and not manual
        with self._lock:
            prune, dry_run, selected = self._sync_options.pop(name, (False, False, None))
        request = SyncRequest(
            app=name,
            manifests=tuple(compared.manifests),
            revision=compared.sha,
            dest_namespace=compared.namespace,
            sync_options=SyncOptions.parse(list(app.sync_policy.sync_options)),
            settings=sync_settings(
                app,
                automated=is_auto,
                wave_delay=self.config.wave_delay,
                ignore=compared.ignore,
                policy=automated if is_auto else None,
            ),
        )
        if manual and (prune or dry_run):
            settings = request.settings
            request = replace(
                request, settings=replace(settings, prune=settings.prune or prune, dry_run=dry_run)
            )
        if selected is not None:
            request = replace(request, resources=tuple(map(ResourceSelector.exact, selected)))
        try:
            state = self._runners[id(dest)].begin(request)
        except SelectionError as err:  # the app changed since the request was checked
            with self._lock:
                self._refused_syncs[name] = str(err)
            log.warning("sync refused", error=str(err))
            return None
        op = _Operation(request, state, is_auto, inputs)
        with self._lock:
            self._ops[name] = op
        if is_auto:
            status.sync_inputs = inputs
        status.operation = _operation_view(state)
        self._save(status)
        log.info("sync started", automated=is_auto, resumed=resume)
        return op

    def _drive(self, name: str, op: _Operation, status: AppStatus, dest: Destination) -> None:
        runner = self._runners[id(dest)]
        structlog.contextvars.bind_contextvars(phase=op.state.phase)
        deadline = time.monotonic() + STEP_BUDGET
        state = op.state
        with self._lock:
            terminate = name in self._terminating
            self._terminating.discard(name)
        if terminate and not state.terminal:
            runner.terminate(op.request, state, "terminated by request")
            log.info("sync terminated")
        while not state.terminal:
            before = state.to_json()
            state = runner.step(op.request, state)
            status.operation = _operation_view(state)
            status.waiting_for = "" if state.terminal else state.message
            # No status write per step: the runner persisted the step in the operation
            # state, and the status saved at the start still says Running, so a restart
            # resumes from that state. The caller saves once when this returns.
            if state.terminal or self._stopping.is_set():
                break
            if time.monotonic() >= deadline:
                self.queue.add_after(name, STEP_PAUSE)
                return
            if state.to_json() != before and state.next_wave_at <= time.time():
                continue  # the step got somewhere: take the next one now, as `gitsync sync` does
            resume_at = max(state.next_wave_at, state.next_attempt_at)
            pause = max(resume_at - time.time(), STEP_PAUSE)
            if pause > deadline - time.monotonic():
                self.queue.add_after(name, min(pause, 1.0))
                return
            time.sleep(pause)
        if not state.terminal:
            return
        finished = time.time()
        status.operation = _operation_view(state)
        status.waiting_for = ""
        status.record(
            SyncResult(
                revision=state.revision,
                phase=state.phase,
                message=state.message,
                started_at=float(state.started_at),
                finished_at=finished,
                automated=op.automated,
                resources=[str(k) for k in state.selected_keys],
            )
        )
        status.last_synced_revision = state.revision
        self.metrics.observe_sync(name, state.phase, time.monotonic() - op.started)
        with self._lock:
            self._ops.pop(name, None)
            self._pinned.pop(name, None)
        log.info(
            "sync finished",
            phase=state.phase,
            message=state.message,
            changes=state.changes().summary(),
        )
        self.queue.add_after(name, STEP_PAUSE)  # show the state after the sync

    def _save(self, status: AppStatus) -> None:
        snapshot = _comparable(status)
        if self._saved.get(status.name) == snapshot:
            return
        try:
            self.statuses.save(status)
        except GitsyncError as err:
            log.warning("cannot save app status", error=str(err))
            return
        self._saved[status.name] = snapshot
        self._wake_waiting(status.name)

    def _wake_waiting(self, changed: str) -> None:
        """A changed status may open the gate of apps waiting for it: re-check them."""
        for name in self.gates.waiting_besides(changed):
            self.queue.add(name)

    def _resolve_pin(self, app: Application, revision: str) -> str:
        """The SHA a `sync --revision` names; a name that does not resolve drops the pin."""
        try:
            sha = self.repos.resolve(app.sources[0].repo_url, revision)
        except GitsyncError as err:
            with self._lock:
                self._pinned.pop(app.name, None)
                self._sync_requested.discard(app.name)
                self._refused_syncs[app.name] = f"sync to {revision}: {err}"
            raise
        with self._lock:
            self._pinned[app.name] = sha
        return sha

    def _commit_summary(self, app: Application, sha: str) -> str:
        """What people read beside the revision; empty for charts and several sources."""
        sources = app.rendered_sources or app.sources
        if len(sources) != 1 or sources[0].chart or not sha:
            return ""
        try:
            return self.repos.commit_summary(sources[0].repo_url, sha)
        except GitsyncError as err:
            log.warning("cannot read the commit", error=str(err))
            return ""

    def _has_operation(self, name: str) -> bool:
        with self._lock:
            return name in self._ops


class UnknownDestinationError(GitsyncError):
    """An Application names a cluster the controller does not know."""


class UnsupportedSourceError(GitsyncError):
    """An Application's source is of a kind gitsync cannot render in full."""


def _wait(status: AppStatus, why: str, before: str, **fields: Any) -> None:
    """Hold the app's sync for `why`; logged when the reason changes, not at every look."""
    status.waiting_for = why
    if why != before:
        log.info("sync waits", waiting_for=why, **fields)


def _policy_text(app: Application) -> str:
    automated = app.sync_policy.automated
    if automated is None:
        return "manual"
    options = [
        n for n, on in (("prune", automated.prune), ("self-heal", automated.self_heal)) if on
    ]
    return f"automated ({', '.join(options)})" if options else "automated"


def _running(status: AppStatus) -> bool:
    return bool(status.operation and status.operation.get("phase") == OperationPhase.RUNNING)


def _operation_view(state: OperationState) -> dict[str, Any]:
    view = state.public()
    view["started_at"] = state.started_at
    view["finished_at"] = state.finished_at
    view["retry_count"] = state.retry_count
    return view


def _comparable(status: AppStatus) -> dict[str, Any]:
    data = status.to_dict()
    data.pop("reconciled_at", None)
    return data


_FULL_SHA = re.compile(r"[0-9a-f]{40}")


def _selected(
    status: AppStatus | None, resources: Sequence[ResourceSelector]
) -> tuple[ResourceKey, ...]:
    """The app's resources (as last compared) a selective sync names; 400 for a name that
    is none of them."""
    if not resources:
        return ()
    known = [
        ResourceKey(r.group, r.kind, r.namespace, r.name)
        for r in (status.resources if status else [])
    ]
    try:
        return resolve(resources, known, status.name if status else "")
    except SelectionError as err:
        raise ActionRefused(400, str(err)) from None


def _check_sync_revision(app: Application, revision: str, dry_run: bool) -> None:
    """Argo CD's rules for syncing to another revision than the app's target."""
    if len(app.sources) != 1 or app.sources[0].chart:
        raise ActionRefused(409, "syncing to a revision needs an app with one Git source")
    target = app.sources[0].key.revision
    if app.sync_policy.automated is not None and not dry_run and revision != target:
        raise ActionRefused(409, f"cannot sync to {revision}: automated sync follows {target}")


def _has_namespace(obj: Mapping[str, Any]) -> bool:
    """After `_with_namespace`, exactly the namespaced objects name a namespace."""
    return bool((obj.get("metadata") or {}).get("namespace"))


def _with_namespace(cluster: Cluster, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    """`obj` with the destination namespace filled in when it is namespaced and names none."""
    meta = obj.get("metadata") or {}
    if meta.get("namespace"):
        return obj
    try:
        namespaced = bool(cluster.resource_for(str(obj["apiVersion"]), str(obj["kind"])).namespaced)
    except UnknownKindError:
        namespaced = True  # a custom resource whose CRD is not installed yet
    if not namespaced:
        return obj
    return {**obj, "metadata": {**meta, "namespace": namespace}}
