"""Operation state kept in the target cluster: one ConfigMap per app in gitsync's namespace.

It also keeps the app's inventory of kinds, so prune candidates can be listed by the
tracking label without listing every kind the cluster serves.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable
from typing import Any

from gitsync.errors import ForbiddenError
from gitsync.shard.fencing import Fence, FencedWriter
from gitsync.sync.port import ApplyOptions, ClusterPort
from gitsync.sync.state import OperationState

DEFAULT_NAMESPACE = "gitsync"
OPERATION_SELECTOR = "app.kubernetes.io/component=sync-operation"
STATE_KEY = "operation.json"
KINDS_KEY = "kinds.json"
COMPONENT_LABEL = "app.kubernetes.io/component"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
APP_ANNOTATION = "gitsync.io/app-name"


def configmap_name(app: str) -> str:
    """``gitsync-op-<app>``, made DNS-safe; a hash suffix only when the name had to change."""
    slug = re.sub(r"[^a-z0-9-]+", "-", app.lower()).strip("-") or "app"
    if slug == app and len(slug) <= 52:
        return f"gitsync-op-{slug}"
    digest = hashlib.sha256(app.encode()).hexdigest()[:8]
    return f"gitsync-op-{slug[:42].strip('-')}-{digest}"


class OperationStore:
    """Loads and saves one app's operation state; writes only when something changed.

    With a `fence` (``gitsync serve --shards``), each write is made only while this
    replica holds the app's shard, with the preconditions of `gitsync.shard.fencing`."""

    def __init__(
        self, port: ClusterPort, namespace: str = DEFAULT_NAMESPACE, fence: Fence | None = None
    ) -> None:
        self._port = port
        self._namespace = namespace
        self._fenced = FencedWriter(fence) if fence is not None else None
        self._written: dict[str, dict[str, str]] = {}
        self._namespace_ready = False
        # Operation ConfigMaps listed at start, by name: each app's first load is answered
        # from here (absent = none stored) instead of one GET per app on a cold start.
        self._primed: dict[str, dict[str, Any]] | None = None
        self._primed_used: set[str] = set()
        self._primed_lock = threading.Lock()

    @property
    def namespace(self) -> str:
        return self._namespace

    def prime(self, configmaps: Iterable[dict[str, Any]]) -> None:
        """Take every operation ConfigMap of the namespace, listed at once (e.g. when a
        controller starts): the first `load` of each app reads from these, later loads
        GET again. Only a complete list of the namespace's operation ConfigMaps may be
        given, as an app missing from it is taken to have no stored operation, and only
        while nothing else writes them (the controller primes when it starts leading)."""
        found = {str((cm.get("metadata") or {}).get("name") or ""): cm for cm in configmaps}
        with self._primed_lock:
            self._primed = found
            self._primed_used = set()

    def unprime(self) -> None:
        """Forget the listed ConfigMaps (e.g. another controller may now write them)."""
        with self._primed_lock:
            self._primed = None

    def _get(self, app: str) -> dict[str, Any] | None:
        name = configmap_name(app)
        with self._primed_lock:
            if self._primed is not None and name not in self._primed_used:
                self._primed_used.add(name)
                return self._primed.pop(name, None)
        return self._port.get("v1", "ConfigMap", self._namespace, name)

    def load(self, app: str) -> tuple[OperationState | None, set[tuple[str, str]]]:
        """The stored state (None when absent or unreadable) and the app's kinds."""
        found = self._get(app)
        if self._fenced is not None and found is not None:
            self._fenced.note(found)  # the next save is conditional on what was read
        elif self._fenced is not None:
            self._fenced.forget(configmap_name(app))
        if found is None:
            return None, set()
        data = found.get("data") or {}
        state = OperationState.from_json(str(data.get(STATE_KEY) or ""))
        kinds: set[tuple[str, str]] = set()
        try:
            for item in json.loads(str(data.get(KINDS_KEY) or "[]")):
                if isinstance(item, list) and len(item) == 2:
                    kinds.add((str(item[0]), str(item[1])))
        except ValueError:
            pass
        self._written[app] = {k: str(v) for k, v in data.items()}
        return state, kinds

    def save(self, state: OperationState, kinds: set[tuple[str, str]]) -> None:
        data = {
            STATE_KEY: state.to_json(),
            KINDS_KEY: json.dumps(sorted([list(k) for k in kinds])),
        }
        if self._written.get(state.app) == data:
            return
        self._ensure_namespace()
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": configmap_name(state.app),
                "namespace": self._namespace,
                "labels": {COMPONENT_LABEL: "sync-operation", MANAGED_BY_LABEL: "gitsync"},
                "annotations": {APP_ANNOTATION: state.app},
            },
            "data": data,
        }
        if self._fenced is None:
            self._port.apply(body, options=ApplyOptions())
        else:
            name = configmap_name(state.app)
            self._fenced.write(
                state.app,
                body,
                send=lambda obj: self._port.apply(obj, options=ApplyOptions()),
                read=lambda: self._port.get("v1", "ConfigMap", self._namespace, name),
            )
        self._written[state.app] = data

    def forget(self, app: str) -> None:
        """Another replica may have written `app`'s operation since this one last did:
        the next save writes even when unchanged from this replica's last one."""
        self._written.pop(app, None)
        if self._fenced is not None:
            self._fenced.forget(configmap_name(app))

    def _ensure_namespace(self) -> None:
        if self._namespace_ready:
            return
        try:
            found = self._port.get("v1", "Namespace", "", self._namespace)
        except ForbiddenError:
            # rights limited to namespaces (namespace-scoped mode): the namespace is
            # there, or the writes into it will say so
            found = {}
        if found is None:
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self._namespace}}
            self._port.apply(ns, options=ApplyOptions())
        self._namespace_ready = True
