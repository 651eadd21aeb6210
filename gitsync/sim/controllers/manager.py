"""Runs the simulated controllers on one background thread, woken by store events (so a
change is reconciled within milliseconds) and by timers (for delays)."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gitsync.sim.watchhub import WatchEvent

from .base import Controller, ControllerContext
from .job import JobController
from .rollout import RolloutController
from .simple import LoadBalancerController, PersistentVolumeClaimController, PodController
from .workloads import (
    DaemonSetController,
    DeploymentController,
    ReplicaSetController,
    StatefulSetController,
)

if TYPE_CHECKING:
    from gitsync.sim.api import Api

log = logging.getLogger(__name__)
Key = tuple[str, str, str, str]  # group, kind, namespace, name


def default_controllers() -> list[Controller]:
    found: list[Controller] = [
        DeploymentController(),
        ReplicaSetController(),
        StatefulSetController(),
        DaemonSetController(),
        JobController(),
        LoadBalancerController(),
        PersistentVolumeClaimController(),
        PodController(),
        RolloutController(),
    ]
    return found


class Controllers:
    """The controllers of one SimCluster: `sim.controllers.deployment.enabled = False`."""

    def __init__(self, api: Api, ready_delay: float, enabled: bool | Iterable[str]) -> None:
        self.context = ControllerContext(api, ready_delay)
        self.by_name: dict[str, Controller] = {c.name: c for c in default_controllers()}
        if enabled is True:
            names = set(self.by_name)
        elif enabled is False:
            names = set()
        else:
            names = set(enabled)
        for name, controller in self.by_name.items():
            controller.enabled = name in names
        self._by_kind: dict[tuple[str, str], list[Controller]] = {}
        for controller in self.by_name.values():
            for kind in controller.kinds:
                self._by_kind.setdefault(kind, []).append(controller)
        self._cond = threading.Condition()
        self._queue: dict[Key, None] = {}  # ordered set
        self._timers: list[tuple[float, Key]] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sim-controllers", daemon=True)

    def __getattr__(self, name: str) -> Controller:
        by_name = self.__dict__.get("by_name", {})
        if name in by_name:
            return by_name[name]  # type: ignore[no-any-return]
        raise AttributeError(name)

    @property
    def ready_delay(self) -> float:
        return self.context.ready_delay

    @ready_delay.setter
    def ready_delay(self, value: float) -> None:
        self.context.ready_delay = value

    def add(self, controller: Controller) -> None:
        """Register one more controller (e.g. a test's own)."""
        self.by_name[controller.name] = controller
        for kind in controller.kinds:
            self._by_kind.setdefault(kind, []).append(controller)
        self.resync()

    def start(self) -> None:
        self._thread.start()
        self.resync()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(2.0)

    def resync(self) -> None:
        """Look at every watched object again (after a start, or a controller turned on)."""
        store = self.context.api.store
        keys: list[Key] = []
        for group, kind in list(self._by_kind):
            for stored in store.items(group, kind, None):
                meta = stored.obj["metadata"]
                keys.append((group, kind, str(meta.get("namespace") or ""), str(meta["name"])))
        with self._cond:
            for key in keys:
                self._queue[key] = None
            self._cond.notify_all()

    # -- the store listener (called under the store lock: only enqueue) ----------------
    def on_event(self, event: WatchEvent) -> None:
        controllers = self._by_kind.get((event.group, event.kind))
        if not controllers:
            return
        if event.type == "DELETED":
            uid = str(event.obj.get("metadata", {}).get("uid"))
            for controller in controllers:
                controller.forget(uid)
            return
        with self._cond:
            self._queue[(event.group, event.kind, event.namespace, event.name)] = None
            self._cond.notify_all()

    # -- the loop ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    now = time.monotonic()
                    while self._timers and self._timers[0][0] <= now:
                        _, key = heapq.heappop(self._timers)
                        self._queue[key] = None
                    if self._queue:
                        break
                    wait = self._timers[0][0] - now if self._timers else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
                keys = list(self._queue)
                self._queue.clear()
            for key in keys:
                self._reconcile(key)

    def _reconcile(self, key: Key) -> None:
        group, kind, namespace, name = key
        stored = self.context.api.store.get(group, kind, namespace, name)
        if stored is None:
            return
        for controller in self._by_kind.get((group, kind), []):
            if not controller.enabled:
                continue
            try:
                again = controller.reconcile(self.context, stored.obj)
            except Exception:
                log.exception("controller %s failed on %s", controller.name, key)
                continue
            if again is not None:
                with self._cond:
                    heapq.heappush(self._timers, (time.monotonic() + max(again, 0.0), key))
                    self._cond.notify_all()
            stored = self.context.api.store.get(group, kind, namespace, name) or stored
