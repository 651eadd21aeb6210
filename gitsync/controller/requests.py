"""What people asked of an app through the API, kept until the app's next reconcile acts
on it: a sync (with prune, dry run, a revision to pin), a termination, and why the last
request could not be honoured (shown as the app's `SyncError`).

A request is taken by the reconcile that looks at it and given back when a gate holds
the sync, so it runs once the gate opens. The pinned revision lives here, beside the
request, because a request and its pin must be read together: a reconcile must never
take a new request while it compared the app at an older pin.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncAsk:
    """A manual sync request as a reconcile takes it."""

    prune: bool = False
    dry_run: bool = False
    pin: str = ""  # the revision (a SHA once resolved) to sync to, once; "": the app's own


class SyncRequests:
    """Pending sync requests, pins, terminations and refusals per app. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked: set[str] = set()
        self._options: dict[str, tuple[bool, bool]] = {}  # (prune, dry run) asked
        self._pins: dict[str, str] = {}
        self._terminating: set[str] = set()
        self._refused: dict[str, str] = {}

    def ask(self, name: str, *, prune: bool = False, dry_run: bool = False, pin: str = "") -> None:
        """A sync request from the API; a new request clears the last refusal."""
        with self._lock:
            if pin:
                self._pins[name] = pin
            self._refused.pop(name, None)
            self._asked.add(name)
            self._options[name] = (prune, dry_run)

    def ask_rollback(self, name: str, revision: str) -> None:
        """A rollback: a sync pinned to `revision`, with the options already asked, if any."""
        with self._lock:
            self._pins[name] = revision
            self._asked.add(name)

    def take(self, name: str) -> SyncAsk | None:
        """The pending request of `name`, taken from the queue; None when there is none."""
        with self._lock:
            if name not in self._asked:
                return None
            self._asked.discard(name)
            prune, dry_run = self._options.get(name, (False, False))
            return SyncAsk(prune, dry_run, self._pins.get(name, ""))

    def give_back(self, name: str) -> None:
        """A taken request that a gate holds: it runs once the gate opens."""
        with self._lock:
            self._asked.add(name)

    def take_options(self, name: str) -> tuple[bool, bool]:
        """(prune, dry run) asked for the sync that starts now; forgotten afterwards."""
        with self._lock:
            return self._options.pop(name, (False, False))

    def pin_of(self, name: str) -> str:
        with self._lock:
            return self._pins.get(name, "")

    def pin_resolved(self, name: str, sha: str) -> None:
        with self._lock:
            self._pins[name] = sha

    def unpin(self, name: str) -> None:
        """The pinned sync finished: the app follows its own revision again."""
        with self._lock:
            self._pins.pop(name, None)

    def refuse_pin(self, name: str, why: str) -> None:
        """The pinned revision does not resolve: drop the request and say why."""
        with self._lock:
            self._pins.pop(name, None)
            self._asked.discard(name)
            self._refused[name] = why

    def refusal(self, name: str) -> str:
        with self._lock:
            return self._refused.get(name, "")

    def terminate(self, name: str) -> None:
        with self._lock:
            self._terminating.add(name)

    def take_termination(self, name: str) -> bool:
        with self._lock:
            asked = name in self._terminating
            self._terminating.discard(name)
            return asked

    def forget(self, name: str) -> None:
        """The app left the inventory: nothing asked of it stays."""
        with self._lock:
            self._asked.discard(name)
            self._options.pop(name, None)
            self._pins.pop(name, None)
            self._terminating.discard(name)
            self._refused.pop(name, None)
