"""`gitsync serve --shards N`: the controller's side of `gitsync.shard`.

- which apps this replica works on: `Ownership`, consulted by the work queue;
- a claimed shard is prepared before anything is written for it: after a takeover its
  running operations are stamped (fencing the old holder), then the statuses of its apps
  are read fresh (`ShardHost.adopt`); a lost one drops what ran here (`ShardHost.release`);
- statuses of the apps other replicas own, watched from their ConfigMaps, so every
  replica answers the API for all apps;
- requests for apps owned elsewhere (webhook refreshes, API actions) forwarded through
  the cluster (`gitsync.shard.forward`), and the requests forwarded here carried out;
- `FencedPort`: no write to a destination cluster while this replica's Leases are stale;
- `ControllerHost`: the controller's pipeline parts as the `ShardHost` sharding drives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import structlog

from gitsync.controller.config import ControllerConfig
from gitsync.controller.requests import SyncRequests
from gitsync.controller.status import COMPONENT_LABEL, AppStatus, object_name, status_of
from gitsync.controller.workqueue import WorkQueue
from gitsync.errors import ActionRefused, GitsyncError
from gitsync.kube import Cluster, LiveCache
from gitsync.metrics import Metrics
from gitsync.model import Application
from gitsync.model.keys import ResourceKey
from gitsync.shard import FencedError, FenceToken, Ownership, ShardLeases, Stamper
from gitsync.shard.assignment import shard_key, shard_of
from gitsync.shard.fencing import SHARD_LABEL
from gitsync.shard.forward import MAX_ANNOTATION_BYTES, RequestForwarder, read_requests
from gitsync.shard.leasewatch import LeaseWatch
from gitsync.sync.port import ApplyOptions, CachedReads, ClusterPort
from gitsync.sync.selection import ResourceSelector
from gitsync.sync.store import APP_ANNOTATION, OPERATION_SELECTOR, STATE_KEY

log = structlog.get_logger("gitsync.sharding")

ROOT_REQUESTS = "gitsync-root-requests"  # the ConfigMap root refreshes are forwarded on
_FEED_SELECTOR = f"{COMPONENT_LABEL} in (app-status,requests)"


class ShardHost(Protocol):
    """What sharding asks of the controller."""

    def adopt(self, apps: Sequence[str], statuses: Mapping[str, AppStatus]) -> None:
        """This replica now owns `apps`: start from `statuses` (read fresh), forget what
        it remembered of them from an earlier tenure, and queue them."""
        ...

    def release(self, apps: Sequence[str]) -> None:
        """This replica no longer owns `apps`: stop their operations here."""
        ...

    def wake(self, apps: Sequence[str]) -> None:
        """Compare `apps` now, ahead of the queue (their shard is ready to be written for)."""
        ...

    def working_on(self, apps: Sequence[str]) -> bool:
        """An operation or a reconcile of one of `apps` is running now."""
        ...

    def status_seen(self, status: AppStatus) -> None:
        """Another replica wrote this status of an app it owns."""
        ...

    def carry_out(self, app: str, kind: str, args: Mapping[str, Any]) -> None:
        """Do a request another replica forwarded (see `gitsync.shard.forward`)."""
        ...


class Sharding:
    """This replica's shards, the status feed and the forwarding, for one controller."""

    _host: ShardHost  # given at `start`: the controller's parts exist by then

    def __init__(self, config: ControllerConfig, local: Cluster, lease_client: Cluster) -> None:
        """`lease_client`: a client of the local cluster for the Leases alone, so that a
        renewal never queues behind sync traffic in `local`'s rate limiter (a starved
        renewal would lose the shards)."""
        self.identity = config.identity or config.replica_identity
        self.namespace = config.namespace
        self._local = local
        self._lease_client = lease_client
        self.leases = ShardLeases(
            self._lease_client,
            config.namespace,
            self.identity,
            config.shards,
            lease_seconds=config.lease_duration,
            prepare=self._prepare,
        )
        # renewals seen as they happen: a dead replica's shards are taken a Lease duration
        # after its last renewal (the rounds' LISTs stay the fallback)
        self._lease_watch = LeaseWatch(lease_client, config.namespace, self.leases.seen)
        self.ownership = Ownership(self.leases, config.shard_by)
        self._stamper = Stamper(local, config.namespace, OPERATION_SELECTOR, _running_operation)
        self.forwarder = RequestForwarder(local, config.namespace, self.identity, _request_target)
        self._feed = LiveCache(local, label_selector=_FEED_SELECTOR, namespaces=[config.namespace])
        self._seen: dict[tuple[str, str], str] = {}  # (app, kind) -> request id handled
        self._seen_lock = threading.Lock()
        self._listing = True  # requests already there when the feed starts are old
        self._stopped = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, host: ShardHost) -> None:
        self._host = host
        self._feed.add_listener(self._on_configmap)
        threading.Thread(target=self._start_feed, name="status-feed", daemon=True).start()
        self.forwarder.start()
        self._lease_watch.start()
        self.leases.start(self)

    def _start_feed(self) -> None:
        """LIST then watch the statuses; retried until the API server answers."""
        delay = 0.5
        while not self._stopped.is_set():
            try:
                self._feed.ensure_kind("v1", "ConfigMap")
            except GitsyncError as err:
                log.warning("cannot watch app statuses yet", error=str(err))
                self._stopped.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            except RuntimeError:
                return  # stopped meanwhile
            self._listing = False
            return

    def stop(self) -> None:
        self._stopped.set()
        self.leases.stop(release=True)
        self._lease_watch.stop()
        self.forwarder.stop()
        self._feed.stop()
        self._lease_client.close()

    # -- gitsync.shard.ShardListener ----------------------------------------------------
    def shard_acquired(self, shard: int) -> None:
        apps = self.ownership.apps_of(shard)
        log.info("shard acquired", shard=shard, apps=len(apps))
        self._host.wake(apps)

    def shard_lost(self, shard: int) -> None:
        self._host.release(self.ownership.apps_of(shard))

    def shard_busy(self, shard: int) -> bool:
        return self._host.working_on(self.ownership.apps_of(shard))

    def _prepare(self, token: FenceToken, takeover: bool) -> None:
        """Before the shard is written for: fence a holder that may still be alive, then
        start from what is stored (the previous holder's last writes included)."""
        if takeover:
            self._stamper(token)
        listed = self._local.list(
            "v1",
            "ConfigMap",
            namespace=self.namespace,
            label_selector=f"{COMPONENT_LABEL}=app-status,{SHARD_LABEL}={token.shard}",
        )
        statuses = {s.name: s for s in map(status_of, listed) if s is not None}
        self._host.adopt(self.ownership.apps_of(token.shard), statuses)

    # -- what the controller asks ---------------------------------------------------------
    def assign(self, apps: Mapping[str, Application]) -> None:
        self.ownership.assign(
            {name: app.destination.server or app.destination.name for name, app in apps.items()}
        )

    def owns(self, app: str) -> bool:
        return self.ownership.owns(app)

    def may_work(self, app: str, running: bool) -> bool:
        """Reconcile `app` now? Only in a held shard, and one being handed over only to
        finish the operation `running`."""
        return self.ownership.may_start(app) or (running and self.ownership.owns(app))

    def owns_app(self, app: Application) -> bool:
        """For an app no longer in the inventory (removed): is it this replica's?"""
        dest = app.destination.server or app.destination.name
        key = shard_key(app.name, dest, self.ownership.shard_by)
        return self.leases.holds(shard_of(key, self.ownership.shards))

    def describe(self, app: str) -> dict[str, Any]:
        shard = self.ownership.shard(app)
        return {"shard": shard, "controller": self.ownership.controller(app)}

    def export(self, metrics: Metrics) -> None:
        """`/metrics`: what this replica holds and syncs, read at scrape time."""
        metrics.shards_held.set_function(lambda: len(self.leases.held()))
        metrics.apps_owned.set_function(lambda: len(self.ownership.owned()))
        metrics.leader.set_function(lambda: 1 if self.leases.held() else 0)

    def forward(self, app: str, kind: str, args: Mapping[str, Any] | None = None) -> None:
        """Have `app`'s owner do `kind`; refused (503) when the forwarding queue is full."""
        if len(json.dumps(args or {})) > MAX_ANNOTATION_BYTES - 100:  # room for the id
            raise ActionRefused(413, f"request too large to forward to the owner of {app}")
        if not self.forwarder.request(app, kind, args):
            raise ActionRefused(503, "too many requests waiting to be forwarded; retry")

    def forward_elsewhere(self, app: str, kind: str, args: Mapping[str, Any] | None = None) -> bool:
        """When `app` is known and another replica owns it: forward `kind` to it (True)."""
        if not self.ownership.knows(app) or self.ownership.owns(app):
            return False
        self.forward(app, kind, args)
        return True

    def refuse_elsewhere(self, app: str, what: str) -> None:
        """`what` of `app` is known only to its owner: refuse (409, naming the owner) rather
        than answer with an empty list a client would read as "in sync"."""
        if self.ownership.knows(app) and not self.ownership.owns(app):
            owner = self.ownership.controller(app) or "another replica"
            raise ActionRefused(409, f"the {what} of {app} is known to its owner {owner}; ask it")

    def others(self, apps: Sequence[Application]) -> list[Application]:
        """Of `apps` (known ones), those another replica owns."""
        return [app for app in apps if not self.ownership.owns(app.name)]

    # -- the feed -------------------------------------------------------------------------
    def _on_configmap(self, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        if event_type == "DELETED":
            return
        requests = read_requests(meta.get("annotations") or {})
        if meta.get("name") == ROOT_REQUESTS:
            self._handle("", requests)
            return
        app = str((meta.get("annotations") or {}).get(APP_ANNOTATION) or "")
        if not app:
            return
        if self.ownership.owns(app):
            self._handle(app, requests)
            return
        status = status_of(obj)
        if status is not None and status.name == app:
            self._host.status_seen(status)
        self._handle(app, {}, remember=requests)

    def _handle(
        self,
        app: str,
        requests: Mapping[str, dict[str, Any]],
        remember: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """Carry out requests not seen before. Those of apps owned elsewhere, and those
        already there when the feed started, are only remembered as seen."""
        new: list[tuple[str, dict[str, Any]]] = []
        with self._seen_lock:
            for kind, request in {**(remember or {}), **requests}.items():
                if self._seen.get((app, kind)) != request["id"]:
                    self._seen[(app, kind)] = request["id"]
                    if kind in requests and not self._listing:
                        new.append((kind, request))
        for kind, request in new:
            args = {k: v for k, v in request.items() if k != "id"}
            try:
                self._host.carry_out(app, kind, args)
            except (ActionRefused, GitsyncError, TypeError, ValueError) as err:
                log.warning("forwarded request refused", app=app, kind=kind, error=str(err))


def _request_target(app: str) -> str:
    return ROOT_REQUESTS if not app else object_name("gitsync-status", app)


def _running_operation(configmap: dict[str, Any]) -> bool:
    """An operation ConfigMap whose operation is still running (it may be mid-sync)."""
    raw = (configmap.get("data") or {}).get(STATE_KEY) or ""
    try:
        return bool(json.loads(raw).get("phase") == "Running")
    except (ValueError, AttributeError):
        return True  # unreadable: stamp it, to be safe


class FencedPort:
    """A `ClusterPort` that refuses every write while this replica's shard Leases are not
    freshly renewed: a process paused or cut off past its Lease applies nothing when it
    resumes, whatever step it was in (the operation's next save is refused as well)."""

    def __init__(self, port: ClusterPort, ownership: Ownership) -> None:
        self._port = port
        self._ownership = ownership

    def namespaced(self, api_version: str, kind: str) -> bool | None:
        return self._port.namespaced(api_version, kind)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self._port.get(api_version, kind, namespace, name)

    def list_live(
        self, api_version: str, kind: str, namespace: str, names: Sequence[str], app: str = ""
    ) -> dict[str, dict[str, Any] | None]:
        return self._port.list_live(api_version, kind, namespace, names, app)

    def cached_after(
        self, api_version: str, key: ResourceKey, resource_version: str, timeout: float
    ) -> dict[str, Any] | None:
        """Reads are not fenced: the watch cache's copy when the wrapped port has one."""
        if isinstance(self._port, CachedReads):
            return self._port.cached_after(api_version, key, resource_version, timeout)
        return None

    def cached_live(self, api_version: str, key: ResourceKey) -> tuple[bool, dict[str, Any] | None]:
        if isinstance(self._port, CachedReads):
            return self._port.cached_live(api_version, key)
        return False, None

    def list_tracked(self, app: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        return self._port.list_tracked(app, kinds)

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, options: ApplyOptions | None = None
    ) -> dict[str, Any]:
        if not dry_run:
            self._ownership.check_fresh()
        return self._port.apply(obj, dry_run=dry_run, options=options)

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        if not dry_run:
            self._ownership.check_fresh()
        return self._port.create(obj, dry_run=dry_run)

    def replace(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        if not dry_run:
            self._ownership.check_fresh()
        return self._port.replace(obj, dry_run=dry_run)

    def delete(
        self, api_version: str, kind: str, namespace: str, name: str, *, propagation: str
    ) -> bool:
        self._ownership.check_fresh()
        return self._port.delete(api_version, kind, namespace, name, propagation=propagation)

    def remove_finalizer(
        self, api_version: str, kind: str, namespace: str, name: str, finalizer: str
    ) -> None:
        self._ownership.check_fresh()
        self._port.remove_finalizer(api_version, kind, namespace, name, finalizer)


class _Driver(Protocol):
    """What the host asks of `gitsync.controller.driver.Driver`."""

    def adopt(self, name: str, stored: AppStatus | None) -> None: ...
    def release(self, name: str) -> None: ...
    def seen(self, status: AppStatus) -> None: ...
    def has_operation(self, name: str) -> bool: ...


class _Forgetful(Protocol):
    def forget(self, app: str) -> None: ...


class Actions(Protocol):
    """The API actions forwarded requests are carried out with (the controller's)."""

    def refresh(self, name: str, *, hard: bool = False) -> bool: ...
    def set_auto_sync_suspended(self, name: str, suspended: bool) -> bool: ...
    def terminate(self, name: str) -> bool: ...
    def rollback(self, name: str, history_id: int) -> None: ...

    def request_sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        revision: str = "",
        resources: Sequence[ResourceSelector] = (),
    ) -> bool: ...


class ControllerHost:
    """The `ShardHost` made of the controller's parts: its queue, its driver (operations,
    saved statuses), its requests, its stores, the statuses the API shows (`show`) and
    its actions."""

    def __init__(
        self,
        *,
        queue: WorkQueue,
        driver: _Driver,
        requests: SyncRequests,
        stores: Sequence[_Forgetful],
        show: Callable[[AppStatus], None],
        actions: Actions,
        refresh_root: Callable[[], None],
    ) -> None:
        self._queue = queue
        self._driver = driver
        self._requests = requests
        self._stores = stores
        self._show = show
        self._actions = actions
        self._refresh_root = refresh_root

    def adopt(self, apps: Sequence[str], statuses: Mapping[str, AppStatus]) -> None:
        for name in apps:
            stored = statuses.get(name)
            self._driver.adopt(name, stored)
            if stored is not None:
                self._show(stored)
            for store in self._stores:
                store.forget(name)

    def release(self, apps: Sequence[str]) -> None:
        for name in apps:
            self._driver.release(name)
            self._requests.take_termination(name)

    def wake(self, apps: Sequence[str]) -> None:
        """Refreshed, as an API refresh does: compared ahead of everything queued, their
        sources resolved again (this replica did not poll them while another owned them),
        so a commit waits for no poll here. In reverse, so the first app comes first."""
        for name in reversed(apps):
            self._actions.refresh(name)

    def working_on(self, apps: Sequence[str]) -> bool:
        busy = self._queue.busy()
        return any(name in busy or self._driver.has_operation(name) for name in apps)

    def status_seen(self, status: AppStatus) -> None:
        self._show(status)
        self._driver.seen(status)

    def carry_out(self, app: str, kind: str, args: Mapping[str, Any]) -> None:
        actions = self._actions
        if kind == "root":
            self._refresh_root()
        elif kind == "refresh":
            actions.refresh(app, hard=bool(args.get("hard")))
        elif kind == "sync":
            listed = args.get("resources")
            actions.request_sync(
                app,
                prune=bool(args.get("prune")),
                dry_run=bool(args.get("dry_run")),
                revision=str(args.get("revision") or ""),
                resources=[ResourceSelector.from_api(r) for r in _items(listed)],
            )
        elif kind == "suspend":
            actions.set_auto_sync_suspended(app, bool(args.get("suspended")))
        elif kind == "terminate":
            actions.terminate(app)
        elif kind == "rollback":
            actions.rollback(app, int(args.get("history_id", -1)))


def forwarded_resources(keys: Sequence[ResourceKey]) -> list[dict[str, str]]:
    """A selective sync's resources as a forwarded request carries them (the API's shape)."""
    return [
        {"group": k.group, "kind": k.kind, "namespace": k.namespace, "name": k.name} for k in keys
    ]


def _items(value: object) -> list[object]:
    """A forwarded list; anything else is refused, never read as "no selection": a
    selective sync must not widen into a sync of everything."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("forwarded resources are not a list")
    return value


__all__ = ["ControllerHost", "FencedError", "FencedPort", "ShardHost", "Sharding"]
