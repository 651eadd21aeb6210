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
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from gitsync import rollouts
from gitsync.appset import repo_tree_provider
from gitsync.controller.appsetenv import RequeueTimer, generator_env
from gitsync.controller.appsources import SourceRenderer, renderer_for
from gitsync.controller.argocdcm import ArgoCdConfigMap
from gitsync.controller.cachedcluster import CachedKubePort
from gitsync.controller.clusters import (
    ClusterRegistry,
    ClusterSpec,
    Destination,
    load_clusters_file,
    local_record,
)
from gitsync.controller.compare import Compared, Comparer, describe
from gitsync.controller.config import ControllerConfig
from gitsync.controller.gates import StartGates
from gitsync.controller.leader import LeaderElector
from gitsync.controller.ordering import Gate
from gitsync.controller.progressive import StepStatus
from gitsync.controller.projects import ProjectSource, WindowWait, window_wait
from gitsync.controller.push import apps_for_push, root_matches_push
from gitsync.controller.requests import SyncRequests
from gitsync.controller.revisions import Revisions
from gitsync.controller.root import Root
from gitsync.controller.settings import sync_settings
from gitsync.controller.startpolicy import Hold, RollingFacts, Start, StartFacts, decide
from gitsync.controller.status import AppStatus, StatusStore, SyncResult
from gitsync.controller.workqueue import WorkQueue
from gitsync.errors import ActionRefused, GitsyncError
from gitsync.health import load_directory, use_lua_scripts
from gitsync.kube import Cluster
from gitsync.metrics import Metrics
from gitsync.model import Application
from gitsync.model.annotations import TRACKING_LABEL, SyncOptions
from gitsync.push.payloads import PushEvent
from gitsync.source import (
    Credentials,
    HelmRepoCache,
    RepoCache,
    helm_credentials_from_env,
)
from gitsync.source.gitauth import SecretCredentials
from gitsync.source.localrepos import LocalRepoPolicy
from gitsync.sync.kubeport import KubePort
from gitsync.sync.runner import SyncRequest, SyncRunner
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


class _LiveGates:
    """The start policy's gates for one compared app, looked at on demand."""

    def __init__(self, gates: StartGates, compared: Compared) -> None:
        self._gates = gates
        self._compared = compared

    def window(self, manual: bool) -> WindowWait | None:
        c = self._compared
        return window_wait(c.project, c.app, c.dest.record.name, manual)

    def ordering(self) -> Gate:
        return self._gates.ordering(self._compared.app.name)

    def step(self) -> StepStatus:
        return self._gates.claim_step(self._compared.app, self._compared.status)


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
        self._statuses: dict[str, AppStatus] = {}
        self._saved: dict[str, dict[str, Any]] = {}
        self.revisions = Revisions(
            self.repos, self.charts, self.chart_credentials, self.local_repos, self.metrics
        )
        self.requests = SyncRequests()
        self._ops: dict[str, _Operation] = {}
        self._heal_attempts: dict[str, int] = {}
        self.gates = StartGates(
            self._lock,
            lambda: self.root.inventory,
            self._saved,
            self.revisions.wanted,
            self._has_operation,
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
        self.root = Root(
            config,
            repos=self.repos,
            trees=lambda: self.local_repos.guard(repo_tree_provider(self.repos)),
            revisions=self.revisions,
            registry=self._registry,
            projects=self.projects,
            generator_env=self.generator_env,
            requeue=self._requeue,
            cluster=self.local,
            repo_credentials=self.repo_credentials,
            statuses=self.statuses,
            forget=self._forget,
        )
        self.argocd_cm = (
            ArgoCdConfigMap(self.local, config.namespace, config.argocd_cm, self._requeue_apps)
            if config.argocd_cm
            else None
        )
        self.compare = Comparer(
            config,
            revisions=self.revisions,
            requests=self.requests,
            registry=self._registry,
            projects=self.projects,
            sources=self.sources,
            argocd_cm=self.argocd_cm,
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
        return self.root.error or self._reason

    def on_push(self, event: PushEvent) -> int:
        with self._lock:
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
            return [self._view(self._statuses[n]) for n in sorted(self._statuses)]

    def application(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            status = self._statuses.get(name)
            return self._view(status) if status is not None else None

    def request_sync(
        self, name: str, *, prune: bool = False, dry_run: bool = False, revision: str = ""
    ) -> bool:
        with self._lock:
            app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        if revision:
            _check_sync_revision(app, revision, dry_run)
        # a revision is resolved to a SHA by the reconcile
        self.requests.ask(name, prune=prune, dry_run=dry_run, pin=revision)
        self.queue.add(name)
        return True

    # -- actions of the web UI and its API ----------------------------------------------
    def refresh(self, name: str, *, hard: bool = False) -> bool:
        with self._lock:
            app = self.root.inventory.apps.get(name)
        if app is None:
            return False
        self.revisions.mark_stale(app.source_keys)
        if hard:
            self.renderer.cache.clear()  # render again, whatever the cache holds
        self.queue.add_first(name)
        return True

    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool:
        with self._lock:
            status = self._statuses.get(name)
            if name not in self.root.inventory.apps or status is None:
                return False
            status.auto_sync_suspended = suspended
        self.queue.add_first(name)  # the reconcile saves it
        return True

    def manifests(self, name: str) -> list[dict[str, Any]] | None:
        with self._lock:
            if name not in self.root.inventory.apps:
                return None
        return self.compare.desired(name) or []

    def terminate(self, name: str) -> bool:
        """Ended by the next visit: the runner fails the operation through its persisted
        state, deleting running hooks (`_drive`)."""
        with self._lock:
            if name not in self._ops:
                return False
        self.requests.terminate(name)
        self.queue.add_first(name)
        return True

    def rollout_action(self, name: str, namespace: str, rollout: str, action: str) -> None:
        with self._lock:
            app = self.root.inventory.apps.get(name)
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
        return self.compare.diff(name)

    def rollback(self, name: str, history_id: int) -> None:
        """Sync `name` to the revision of its history entry `history_id` (0: oldest kept),
        once; refused while automated sync would undo it at once (as Argo CD refuses)."""
        with self._lock:
            app = self.root.inventory.apps.get(name)
            status = self._statuses.get(name)
        if app is None or status is None:
            raise ActionRefused(404, f"application {name!r} not found")
        if app.sync_policy.automated is not None:
            raise ActionRefused(409, f"rollback of {name} refused: automated sync is enabled")
        if len(app.sources) != 1 or app.sources[0].chart:
            raise ActionRefused(409, "rollback needs an app with one Git source")
        if not 0 <= history_id < len(status.history):
            raise ActionRefused(404, f"{name} has no history entry {history_id}")
        revision = status.history[history_id].revision
        self.requests.ask_rollback(name, revision)
        log.info("rollback requested", app=name, revision=revision[:12])
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
            self._saved.pop(name, None)
            self._ops.pop(name, None)
        self.compare.forget(name)

    # -- clusters ---------------------------------------------------------------------------
    def _connected(self, dest: Destination) -> None:
        if dest.cluster is not self.local:
            observe = functools.partial(self.metrics.api_request, dest.record.name)
            dest.cluster.stats.add_observer(observe)
        self.compare.connect(dest)
        port = CachedKubePort(dest.cluster, dest.cache, self.config.watched_namespaces)
        self._runners[id(dest)] = SyncRunner(port, self.op_store, poll_interval=0.2)
        dest.cache.add_listener(self._on_live_change)

    def _requeue_apps(self) -> None:
        """Health scripts or ignore rules changed: every app is compared again."""
        with self._lock:
            names = sorted(self.root.inventory.apps)
        for name in names:
            self.queue.add(name)

    def _on_live_change(self, event_type: str, obj: dict[str, Any]) -> None:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        app = labels.get(TRACKING_LABEL)
        if not app:
            return
        with self._lock:
            known = app in self.root.inventory.apps
        if known:
            self.queue.add(str(app))

    # -- reconcile --------------------------------------------------------------------------
    def _reconcile(self, name: str) -> None:
        with self._lock:
            app = self.root.inventory.apps.get(name)
            if app is None:
                return
            status = self._statuses.get(name) or AppStatus(name=name)
            self._statuses[name] = status
            status.appset = self.root.inventory.owner.get(name, "")
        structlog.contextvars.bind_contextvars(app=name)
        started = time.perf_counter()
        describe(app, status)
        try:
            self._reconcile_app(app, status)
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
        self._save(status)

    def _reconcile_app(self, app: Application, status: AppStatus) -> None:
        compared = self.compare.compare(app, status)
        op = self._ops.get(app.name)
        if op is None:
            op = self._maybe_start(compared)
        if op is not None:
            self._drive(app.name, op, status, compared.dest)
        self.gates.show_step(app, status)

    def _maybe_start(self, compared: Compared) -> _Operation | None:
        """Start a sync when the start policy says so; otherwise carry out why not."""
        app, status = compared.app, compared.status
        name = app.name
        rolling = self.gates.rolling_of(name)
        facts = StartFacts(
            sync_status=status.sync_status,
            inputs=compared.inputs,
            synced_inputs=status.sync_inputs,
            running=_running(status),
            policy=app.sync_policy.automated,
            suspended=status.auto_sync_suspended,
            ask=self.requests.take(name),
            compared_pin=compared.pinned,
            rolling=None
            if rolling is None
            else RollingFacts(rolling.step_of(app.labels) is not None, rolling.default_prune),
            heal_attempts=self._heal_attempts.get(name, 0),
            last_finished=status.history[-1].finished_at if status.history else 0.0,
            now=time.time(),
            heal_base=self.self_heal_base,
        )
        waited_for = status.waiting_for
        decision = decide(facts, _LiveGates(self.gates, compared))
        if decision.clear_waiting:
            status.waiting_for = ""
            self.gates.stop_waiting(name)
        if decision.reset_heal:
            self._heal_attempts.pop(name, None)
        start = decision.outcome
        if isinstance(start, Hold):
            self._hold(name, status, start, waited_for)
            return None
        try:
            return self._start(compared, start)
        finally:
            if start.claimed_step:
                self.gates.release(name)

    def _hold(self, name: str, status: AppStatus, hold: Hold, waited_for: str) -> None:
        if hold.give_back:
            self.requests.give_back(name)
        if hold.wake_on_change:
            self.gates.wait(name)
        if hold.shown:
            status.waiting_for = hold.why
            if hold.why != waited_for:  # logged when the reason changes, not at every look
                log.info("sync waits", waiting_for=hold.why, **hold.detail)
        if hold.recheck_after is not None:
            self.queue.add_after(name, hold.recheck_after)

    def _start(self, compared: Compared, start: Start) -> _Operation:
        app, status, inputs, dest = compared.app, compared.status, compared.inputs, compared.dest
        name = app.name
        if start.heal_attempt is not None:
            self._heal_attempts[name] = start.heal_attempt
            log.info("self-heal", attempt=start.heal_attempt)
        is_auto = start.automated
        self.requests.take_options(name)  # asked with the request this sync answers
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
                policy=start.policy if is_auto else None,
            ),
        )
        if start.manual and (start.prune or start.dry_run):
            settings = replace(
                request.settings, prune=request.settings.prune or start.prune, dry_run=start.dry_run
            )
            request = replace(request, settings=settings)
        state = self._runners[id(dest)].begin(request)
        op = _Operation(request, state, is_auto, inputs)
        with self._lock:
            self._ops[name] = op
        if is_auto:
            status.sync_inputs = inputs
        status.operation = _operation_view(state)
        self._save(status)
        log.info("sync started", automated=is_auto, resumed=start.resume, reason=start.reason)
        return op

    def _drive(self, name: str, op: _Operation, status: AppStatus, dest: Destination) -> None:
        runner = self._runners[id(dest)]
        structlog.contextvars.bind_contextvars(phase=op.state.phase)
        deadline = time.monotonic() + STEP_BUDGET
        state = op.state
        terminate = self.requests.take_termination(name)
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
            )
        )
        status.last_synced_revision = state.revision
        self.metrics.observe_sync(name, state.phase, time.monotonic() - op.started)
        with self._lock:
            self._ops.pop(name, None)
        self.requests.unpin(name)
        log.info("sync finished", phase=state.phase, message=state.message)
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

    def _has_operation(self, name: str) -> bool:
        with self._lock:
            return name in self._ops


def _running(status: AppStatus) -> bool:
    return bool(status.operation and status.operation.get("phase") == "Running")


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


def _check_sync_revision(app: Application, revision: str, dry_run: bool) -> None:
    """Argo CD's rules for syncing to another revision than the app's target."""
    if len(app.sources) != 1 or app.sources[0].chart:
        raise ActionRefused(409, "syncing to a revision needs an app with one Git source")
    target = app.sources[0].key.revision
    if app.sync_policy.automated is not None and not dry_run and revision != target:
        raise ActionRefused(409, f"cannot sync to {revision}: automated sync follows {target}")
