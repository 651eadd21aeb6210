"""Requests forwarded to the replica that owns an app, through the cluster.

A webhook or an API call reaches one replica (whichever the Service picked); the app it
concerns may be owned by another. This replica writes the request into an annotation of
the app's status ConfigMap, which every replica watches, as JSON with a new id:
``gitsync.io/<kind>-request: {"id": ..., <arguments>}``. The owner sees a new id and acts.
Each write is a merge patch of that one annotation, so it never replaces what the owner
wrote (the owner's next write re-reads and goes on, see `gitsync.shard.fencing`).

One annotation per kind: a later request of one kind replaces an earlier one not yet
seen (two refreshes are one), and never a request of another kind.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog

from gitsync.errors import GitsyncError, NotFoundError

REQUEST_KINDS = ("refresh", "sync", "suspend", "terminate", "rollback", "root")
MAX_PENDING = 10_000  # requests waiting to be written; a flood beyond this is dropped
MAX_ANNOTATION_BYTES = 4096

log = structlog.get_logger("gitsync.shard")


def request_annotation(kind: str) -> str:
    return f"gitsync.io/{kind}-request"


def read_requests(annotations: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The requests an object carries, by kind; unreadable ones are left out."""
    found: dict[str, dict[str, Any]] = {}
    for kind in REQUEST_KINDS:
        raw = annotations.get(request_annotation(kind))
        if not isinstance(raw, str) or len(raw) > MAX_ANNOTATION_BYTES:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            found[kind] = value
    return found


class PatchClient(Protocol):
    """The writes forwarding needs (`gitsync.kube.Cluster` has them)."""

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        patch: dict[str, Any],
    ) -> dict[str, Any]: ...

    def create(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...


class RequestForwarder:
    """Writes forwarded requests from its own thread, so a webhook answers at once."""

    def __init__(
        self,
        client: PatchClient,
        namespace: str,
        identity: str,
        configmap_of: Callable[[str], str],
    ) -> None:
        """`configmap_of(app)`: the name of the ConfigMap the owner of `app` watches."""
        self._client = client
        self._namespace = namespace
        self._identity = identity
        self._configmap_of = configmap_of
        self._pending: dict[tuple[str, str], dict[str, Any]] = {}  # (app, kind) -> args
        self._cond = threading.Condition()
        self._stopped = False
        self._sequence = 0
        self._thread = threading.Thread(target=self._run, name="forward-requests", daemon=True)
        self.forwarded = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def request(self, app: str, kind: str, args: Mapping[str, Any] | None = None) -> bool:
        """Queue a `kind` request for `app`'s owner; False when the queue is full."""
        if kind not in REQUEST_KINDS:
            raise ValueError(f"unknown request kind {kind!r}")
        with self._cond:
            if (app, kind) not in self._pending and len(self._pending) >= MAX_PENDING:
                log.warning("forwarding queue full: request dropped", app=app, kind=kind)
                return False
            self._pending[(app, kind)] = dict(args or {})
            self._cond.notify()
        return True

    def idle(self) -> bool:
        with self._cond:
            return not self._pending

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                (app, kind), args = next(iter(self._pending.items()))
                del self._pending[(app, kind)]
            self._write(app, kind, args)

    def _write(self, app: str, kind: str, args: dict[str, Any]) -> None:
        self._sequence += 1
        value = {"id": f"{time.time_ns()}-{self._identity}-{self._sequence}", **args}
        annotations = {request_annotation(kind): json.dumps(value, sort_keys=True)}
        name = self._configmap_of(app)
        try:
            try:
                patch = {"metadata": {"annotations": annotations}}
                self._client.patch("v1", "ConfigMap", self._namespace, name, patch)
            except NotFoundError:
                if kind != "root":
                    return  # never reconciled yet: its owner compares it from scratch anyway
                self._client.create(
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {
                            "name": name,
                            "namespace": self._namespace,
                            "labels": {"app.kubernetes.io/component": "requests"},
                            "annotations": annotations,
                        },
                    }
                )
            self.forwarded += 1
        except GitsyncError as err:
            log.warning("could not forward a request", app=app, kind=kind, error=str(err))
