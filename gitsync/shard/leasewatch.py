"""A watch of the Leases of gitsync's namespace, so that a replica sees each renewal as it
happens (`gitsync.shard.ShardLeases.seen`), not at its next LIST.

The watch is `gitsync.kube.LiveCache`'s: LIST, then WATCH from the list's
resourceVersion, resumed from the last version seen, LIST again on 410 Gone, reconnects
with a bounded backoff. Until it works (or while it is broken) the rounds' LISTs alone
see the Leases: failover is then as slow as a round period allows, never unsafe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from gitsync.errors import GitsyncError
from gitsync.kube import Cluster, LiveCache
from gitsync.shard.leaseview import LEASE_API

FIRST_RETRY = 0.5
LAST_RETRY = 30.0

log = structlog.get_logger("gitsync.shard")


class LeaseWatch:
    """Hands every change of a Lease in `namespace` to `seen(event_type, lease)`."""

    def __init__(
        self, client: Cluster, namespace: str, seen: Callable[[str, dict[str, Any]], None]
    ) -> None:
        """`client`: the Leases' own client (its watch never waits behind sync traffic)."""
        self._cache = LiveCache(client, namespaces=[namespace])
        self._cache.add_listener(seen)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._start, name="lease-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._cache.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _start(self) -> None:
        """LIST then watch; retried until the API server answers."""
        delay = FIRST_RETRY
        while not self._stopped.is_set():
            try:
                self._cache.ensure_kind(LEASE_API, "Lease")
                return
            except GitsyncError as err:
                log.warning("cannot watch the shard Leases yet", error=str(err))
            except RuntimeError:
                return  # stopped meanwhile
            self._stopped.wait(delay)
            delay = min(delay * 2, LAST_RETRY)
