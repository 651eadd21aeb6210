"""Whether an app may start a sync now: waves and `depends-on` between apps
(ordering.py) and the steps of a RollingSync ApplicationSet (progressive.py), read from
the controller's last saved statuses. Keeps the apps that wait, so that a change of
another app's status can re-check them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from gitsync.appset.rollingsync import RollingSync
from gitsync.controller.inventory import Inventory
from gitsync.controller.ordering import (
    OPEN,
    AppState,
    Gate,
    OrderedApp,
    StaticOrder,
    decide_one,
    parse_depends_on,
    parse_wave,
    sibling_group,
)
from gitsync.controller.progressive import RollingApp, StepStatus, step_statuses
from gitsync.controller.status import AppStatus
from gitsync.model import Application


class StartGates:
    """Decides whether an app may start a sync now: sync waves, depends-on and RollingSync steps."""

    def __init__(
        self,
        inventory: Callable[[], Inventory],
        saved: Mapping[str, Mapping[str, Any]],
        wanted: Callable[[Application], str | None],
        running: Callable[[str], bool],
    ) -> None:
        self._lock = threading.RLock()
        self._inventory = inventory
        self._saved = saved  # app -> its last saved status, as the controller keeps it
        self._wanted = wanted  # the revision an app is now wanted at, once resolved
        self._running = running
        self._waiting: set[str] = set()
        # the inventory the static order was built from, and that order
        self._static: tuple[Inventory | None, StaticOrder] = (None, StaticOrder(()))
        # apps a RollingSync step let start whose operation is not registered yet
        self._claims: set[str] = set()

    # -- who waits ----------------------------------------------------------------------------
    def wait(self, name: str) -> None:
        with self._lock:
            self._waiting.add(name)

    def stop_waiting(self, name: str) -> None:
        with self._lock:
            self._waiting.discard(name)

    def waiting_besides(self, changed: str) -> list[str]:
        with self._lock:
            return sorted(self._waiting - {changed})

    # -- waves and depends-on -----------------------------------------------------------------
    def ordering(self, name: str) -> Gate:
        """Whether `name` may start a sync now, as far as other apps are concerned."""
        with self._lock:
            inventory = self._inventory()
            if self._static[0] is not inventory:
                self._static = (inventory, StaticOrder(self._ordered(inventory, stateless=True)))
            if self._static[1].free(name):
                return OPEN
            ordered = self._ordered(inventory, stateless=False)
        return decide_one(name, ordered)

    def _ordered(self, inventory: Inventory, *, stateless: bool) -> list[OrderedApp]:
        return [
            OrderedApp(
                name=app.name,
                group=sibling_group(
                    app.annotations, inventory.owner.get(app.name, ""), app.location
                ),
                wave=parse_wave(app.annotations),
                depends_on=parse_depends_on(app.annotations),
                state=AppState() if stateless else self.state(app),
            )
            for app in inventory.apps.values()
        ]

    def state(self, app: Application) -> AppState:
        # The last saved status, not the live object: a reconcile in progress has set the
        # new revision before its diff replaced the old sync status.
        saved = self._saved.get(app.name)
        if saved is None:
            return AppState()
        phase = str((saved.get("operation") or {}).get("phase") or "")
        wanted = self._wanted(app)
        current = not wanted or saved.get("revision") == wanted
        return AppState(str(saved["sync_status"]), str(saved["health"]), phase, current)

    # -- RollingSync steps ----------------------------------------------------------------
    def rolling_of(self, name: str) -> RollingSync | None:
        with self._lock:
            inventory = self._inventory()
            return inventory.rolling.get(inventory.owner.get(name, ""))

    def claim_step(self, app: Application, status: AppStatus) -> StepStatus:
        """The app's step status from this reconcile's fresh comparison; when its step lets
        it start, the start is claimed before any other app can count the places."""
        with self._lock:
            step = self._step_statuses(app.name, status)[app.name]
            if step.may_sync:
                self._claims.add(app.name)
        status.rolling_sync = step.to_dict()
        return step

    def release(self, name: str) -> None:
        """The claimed start happened (its operation now counts) or failed."""
        with self._lock:
            self._claims.discard(name)

    def show_step(self, app: Application, status: AppStatus) -> None:
        with self._lock:
            inventory = self._inventory()
            if inventory.owner.get(app.name, "") not in inventory.rolling:
                status.rolling_sync = None
                return
            step = self._step_statuses(app.name, status)[app.name]
        status.rolling_sync = step.to_dict()

    def _step_statuses(self, name: str, status: AppStatus) -> dict[str, StepStatus]:
        inventory = self._inventory()
        owner = inventory.owner.get(name, "")
        members = []
        for sibling in inventory.generated.get(owner, []):
            if sibling.name == name:
                # this reconcile's comparison, not the saved one; a finished operation of
                # an older revision says nothing about the sync about to start
                state = AppState(status.sync_status, status.health, "", True)
            else:
                state = self.state(sibling)
            starting = sibling.name in self._claims or self._running(sibling.name)
            members.append(RollingApp(sibling.name, sibling.labels, state, starting))
        return step_statuses(members, inventory.rolling[owner])
