"""The controller `gitsync serve` runs: threads, the work queue, leadership, and the
view the HTTP API reads, around a pipeline of small modules.

An app's reconcile runs the pipeline: `root` says which apps exist (and removes those
that left), `revisions` resolves their sources, `compare` renders and diffs one app into
a typed `Compared`, the pure `startpolicy` decides whether a sync starts and why not, and
the `driver` starts and advances the operation and saves the status. Requests made
through the API wait in `requests` for the app's next reconcile.

Threads: an APScheduler job queues a root refresh every poll interval; `concurrency`
workers take keys from one coalescing `WorkQueue` (the root key or an app name), so an
app is never processed by two workers and bursts of events collapse into one reconcile.
A sync operation runs a few steps per visit and re-queues its app, so a long sync does
not hold a worker while others wait, and every step is persisted (restart-safe).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from gitsync import rollouts
from gitsync.controller.actions import check_rollout, check_sync_revision, rollback_revision
from gitsync.controller.appsetenv import RequeueTimer, generator_env
from gitsync.controller.argocdcm import ArgoCdConfigMap
from gitsync.controller.clusters import (
    ClusterRegistry,
    ClusterSpec,
    Destination,
    ensure_namespace,
    load_clusters_file,
    local_cluster,
    local_record,
)
from gitsync.controller.compare import Comparer, describe
from gitsync.controller.config import ControllerConfig
from gitsync.controller.driver import Driver, is_running
from gitsync.controller.leader import LeaderElector
from gitsync.controller.projects import ProjectSource
from gitsync.controller.push import apps_for_push, root_matches_push
from gitsync.controller.requests import SyncRequests
from gitsync.controller.revisions import Revisions
from gitsync.controller.root import Root
from gitsync.controller.sourcestack import SourceStack
from gitsync.controller.status import AppStatus, StatusStore
from gitsync.controller.workqueue import WorkQueue
from gitsync.errors import ActionRefused, GitsyncError
from gitsync.health import load_directory, use_lua_scripts
from gitsync.metrics import Metrics
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.push.payloads import PushEvent
from gitsync.source import RepoCache
from gitsync.sync.kubeport import KubePort
from gitsync.sync.store import OperationStore

log = structlog.get_logger("gitsync.controller")

ROOT_KEY = "\x00root"  # a poll: refresh the root and every source, then resync every app
PUSH_ROOT_KEY = "\x00root-push"  # a push: refresh the root, reconcile only what it changed
REQUEUE_KEY = "\x00appsets"  # generators' requeueAfterSeconds: expand the ApplicationSets again
PUSH_ROOT_DELAY = 0.3


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
        self.source_stack = SourceStack.from_config(config, repo_cache)
        self.queue = WorkQueue(observer=self.metrics)
        self._lock = threading.Lock()  # guards _statuses
        self._statuses: dict[str, AppStatus] = {}  # what the API shows, per app
        self._ready = threading.Event()
        self._statuses_loaded = threading.Event()
        self._reason = "initial reconcile not finished"
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._scheduler: BackgroundScheduler | None = None
        self._leader: LeaderElector | None = None
        self._leading = threading.Event()
        self._registry = ClusterRegistry(self._connected, config.watched_namespaces)
        self.local = local_cluster(config)
        self.local.stats.add_observer(functools.partial(self.metrics.api_request, "in-cluster"))
        self.statuses = StatusStore(self.local, config.namespace)
        self.op_store = OperationStore(KubePort(self.local), config.namespace)
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
        # the pipeline, in the order a reconcile runs it
        self.requests = SyncRequests()
        stack = self.source_stack
        self.revisions = Revisions(
            stack.repos, stack.charts, stack.credentials, stack.local_repos, self.metrics
        )
        self.root = Root(
            config,
            repos=stack.repos,
            trees=stack.generator_trees,
            revisions=self.revisions,
            registry=self._registry,
            projects=self.projects,
            generator_env=generator_env(config, self.local),
            requeue=RequeueTimer(lambda seconds: self.queue.add_after(REQUEUE_KEY, seconds)),
            cluster=self.local,
            repo_credentials=stack.credentials,
            statuses=self.statuses,
            forget=self._forget,
        )
        self.compare = Comparer(
            config,
            revisions=self.revisions,
            requests=self.requests,
            registry=self._registry,
            projects=self.projects,
            sources=stack.sources,
            argocd_cm=self.argocd_cm,
        )
        self.driver = Driver(
            config,
            queue=self.queue,
            requests=self.requests,
            statuses=self.statuses,
            op_store=self.op_store,
            metrics=self.metrics,
            inventory=lambda: self.root.inventory,
            wanted=self.revisions.wanted,
            stopping=self._stopping,
            self_heal_base=self.self_heal_base,
        )

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        ensure_namespace(self.local, self.config.namespace)
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
                self.driver.remember(status)
            resume = [n for n, s in loaded.items() if is_running(s)]
        self._statuses_loaded.set()
        for name in resume:
            self.queue.add(name)
        return True

    def _stopped_leading(self) -> None:
        self._leading.clear()
        self.driver.stopped_leading()
        self.metrics.set_leader(False)

    def _started_leading(self) -> None:
        self._leading.set()
        self.metrics.set_leader(True)
        self.metrics.shards_held.set(1)
        self.driver.started_leading(self.local)
        self.poll()
        with self._lock:
            resume = [n for n, s in self._statuses.items() if is_running(s)]
        for name in resume:
            self.queue.add(name)

    def stop(self) -> None:
        """Stop taking work, let running steps finish (each is persisted), release the Lease."""
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        self.queue.shutdown()
        # a render in a child process ends now, not at its timeout
        self.source_stack.renderer.close()
        for worker in self._workers:
            worker.join(timeout=30)
        if self._leader is not None:
            self._leader.stop(release=True)
        if self.argocd_cm is not None:
            self.argocd_cm.stop()
        self._registry.close()
        self.source_stack.close()
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
        return self.root.error or self._reason

    def on_push(self, event: PushEvent) -> int:
        apps = list(self.root.inventory.apps.values())
        matched = apps_for_push(apps, event)
        self.revisions.mark_stale(key for a in matched for key in a.source_keys)
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
            return [self._statuses[n].to_dict() for n in sorted(self._statuses)]

    def application(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            status = self._statuses.get(name)
            return status.to_dict() if status is not None else None

    def request_sync(
        self, name: str, *, prune: bool = False, dry_run: bool = False, revision: str = ""
    ) -> bool:
        app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        if revision:
            check_sync_revision(app, revision, dry_run)
        # a revision is resolved to a SHA by the reconcile
        self.requests.ask(name, prune=prune, dry_run=dry_run, pin=revision)
        self.queue.add(name)
        return True

    # -- actions of the web UI and its API ----------------------------------------------
    def refresh(self, name: str, *, hard: bool = False) -> bool:
        app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        self.revisions.mark_stale(app.source_keys)
        if hard:
            self.source_stack.renderer.cache.clear()  # render again, whatever the cache holds
        self.queue.add_first(name)
        return True

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        known = name in self.root.inventory.apps
        with self._lock:
            status = self._statuses.get(name)
            if not known or status is None:
                return False
            status.auto_sync_suspended = suspended
        self.queue.add_first(name)  # the reconcile saves it
        return True

    def manifests(self, name: str) -> list[dict[str, Any]] | None:
        if name not in self.root.inventory.apps:
            return None
        return self.compare.desired(name) or []

    def terminate(self, name: str) -> bool:
        """Ended by the next visit: the runner fails the operation through its persisted
        state, deleting running hooks (driver.py)."""
        if not self.driver.has_operation(name):
            return False
        self.requests.terminate(name)
        self.queue.add_first(name)
        return True

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        app = self.root.inventory.apps.get(name)
        with self._lock:
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        check_rollout(status, namespace, rollout)
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
        return self.compare.diff(name)

    def rollback(self, name: str, history_id: int) -> None:
        """Sync `name` to the revision of its history entry `history_id` (0: oldest kept),
        once; refused while automated sync would undo it at once (as Argo CD refuses)."""
        app = self.root.inventory.apps.get(name)
        with self._lock:
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        revision = rollback_revision(app, status, history_id)
        self.requests.ask_rollback(name, revision)
        log.info("rollback requested", app=name, revision=revision[:12])
        self.queue.add_first(name)

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
    def _refresh_root(self) -> None:
        for name in self.root.poll():  # periodic resync: cheap when nothing changed
            self.queue.add(name)
        if not self.root.error or self.root.sha:
            self._ready.set()

    def _refresh_root_after_push(self) -> None:
        """Only the root: the pushed apps were queued by the push itself, and resyncing
        every app here would put a 1,000-app backlog in front of the next push."""
        for name in self.root.reload(with_cluster_secrets=False):
            self.queue.add(name)

    def _requeue_appsets(self) -> None:
        """Expand the ApplicationSets again at the root commit already loaded."""
        for name in self.root.requeue_appsets():
            self.queue.add(name)

    def _forget(self, name: str) -> None:
        """`name` left the root: nothing the controller keeps of it stays."""
        self.requests.forget(name)
        with self._lock:
            self._statuses.pop(name, None)
        self.driver.forget(name)
        self.compare.forget(name)

    # -- clusters ---------------------------------------------------------------------------
    def _connected(self, dest: Destination) -> None:
        if dest.cluster is not self.local:
            observe = functools.partial(self.metrics.api_request, dest.record.name)
            dest.cluster.stats.add_observer(observe)
        self.compare.connect(dest)
        self.driver.connect(dest)
        dest.cache.add_listener(self._on_live_change)

    def _requeue_apps(self) -> None:
        """Health scripts or ignore rules changed: every app is compared again."""
        for name in sorted(self.root.inventory.apps):
            self.queue.add(name)

    def _on_live_change(self, event_type: str, obj: dict[str, Any]) -> None:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        app = labels.get(TRACKING_LABEL)
        if not app:
            return
        if app in self.root.inventory.apps:
            self.queue.add(str(app))

    # -- reconcile --------------------------------------------------------------------------
    def _reconcile(self, name: str) -> None:
        """One visit of an app: compare it, then start or advance its sync; save."""
        inventory = self.root.inventory
        app = inventory.apps.get(name)
        if app is None:
            return
        with self._lock:
            status = self._statuses.get(name) or AppStatus(name=name)
            self._statuses[name] = status
        status.appset = inventory.owner.get(name, "")
        structlog.contextvars.bind_contextvars(app=name)
        started = time.perf_counter()
        describe(app, status)
        try:
            self.driver.advance(self.compare.compare(app, status))
        except GitsyncError as err:
            if self._stopping.is_set():
                return  # e.g. a render cut short by the shutdown: not the app's state
            status.sync_status = "Unknown"
            status.message = str(err)
            status.conditions = [f"ComparisonError: {err}"]
            log.warning("reconcile error", error=str(err))
        for git_error in self.revisions.errors_of(app.source_keys):
            status.conditions.append(f"SourceError: {git_error}")
        refused = self.requests.refusal(name)
        if refused:
            status.conditions.append(f"SyncError: {refused}")
        status.reconciled_at = time.time()
        self.metrics.observe_reconcile(name, time.perf_counter() - started)
        self.driver.save(status)
