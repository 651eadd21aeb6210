"""The Argo CD style ConfigMap (``--argocd-cm NAME``): read at start, then watched.

Its health scripts replace the registry's ``configmap`` Lua layer, and its
``resource.customizations.ignoreDifferences.*`` keys become rules every application's
diff applies. A watch narrowed to the one object by name keeps it current; every change
calls `on_change`, which re-queues the applications.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

import structlog

from gitsync.diff import IgnoreDifferences
from gitsync.errors import GitsyncError, KubeError
from gitsync.health import read_argocd_cm, use_lua_scripts
from gitsync.kube import Cluster
from gitsync.kube.watch import stream_lines

log = structlog.get_logger("gitsync.argocdcm")

WATCH_SECONDS = 300
MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0


class ArgoCdConfigMap:
    """Keeps the health registry and the system ignoreDifferences in step with one
    ConfigMap. `ignore` is the current system-level rules (empty without the ConfigMap)."""

    def __init__(
        self,
        cluster: Cluster,
        namespace: str,
        name: str,
        on_change: Callable[[], None],
        watch_seconds: int = WATCH_SECONDS,
    ) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.on_change = on_change
        self.watch_seconds = watch_seconds
        self.ignore = IgnoreDifferences()
        self.problems: tuple[str, ...] = ()
        self._selector = f"metadata.name={name}"
        self._version = ""
        self._seen = ""  # resourceVersion of the object last applied
        self._stopped = threading.Event()
        self._response: Any = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="watch-argocd-cm", daemon=True)

    def start(self) -> None:
        """Read the ConfigMap now (a missing one means no scripts), then watch it."""
        try:
            self._read()
        except GitsyncError as err:
            log.warning("cannot read the argocd ConfigMap", name=self.name, error=str(err))
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            response = self._response
        if response is not None:
            with contextlib.suppress(Exception):
                response.shutdown()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(2.0)

    def _read(self) -> None:
        """LIST narrowed to the one name (the namespace also holds every app's status
        ConfigMap): the object, and the version the watch resumes from."""
        info = self.cluster.resource_for("v1", "ConfigMap")
        found = self.cluster.transport.call(
            "LIST",
            "GET",
            info.collection_path(self.namespace),
            query={"fieldSelector": self._selector},
            resource=f"ConfigMap/{self.namespace}/{self.name}",
        )
        found = found if isinstance(found, dict) else {}
        self._version = str((found.get("metadata") or {}).get("resourceVersion") or "")
        items = [o for o in found.get("items") or [] if isinstance(o, dict)]
        mine = [o for o in items if (o.get("metadata") or {}).get("name") == self.name]
        self._apply(mine[0] if mine else None)

    def _apply(self, obj: dict[str, Any] | None) -> None:
        version = str(((obj or {}).get("metadata") or {}).get("resourceVersion") or "")
        if obj is not None and version and version == self._seen:
            return
        self._seen = version
        data = (obj or {}).get("data")
        settings = read_argocd_cm(data if isinstance(data, dict) else None, self.name)
        try:
            ignore = IgnoreDifferences.from_app_spec(list(settings.ignore_rules))
            problems = settings.problems
        except GitsyncError as err:
            ignore, problems = IgnoreDifferences(), (*settings.problems, str(err))
        use_lua_scripts("configmap", settings.scripts)
        self.ignore = ignore
        self.problems = problems
        for problem in problems:
            log.warning("argocd ConfigMap key skipped", problem=problem)
        log.info(
            "argocd ConfigMap loaded" if obj is not None else "argocd ConfigMap absent",
            name=self.name,
            health_scripts=len(settings.scripts),
            ignore_rules=len(ignore.rules),
        )
        self.on_change()

    def _run(self) -> None:
        backoff = MIN_BACKOFF
        while not self._stopped.is_set():
            try:
                if not self._version:
                    self._read()
                self._watch_once()
                backoff = MIN_BACKOFF
                continue
            except KubeError as err:
                if err.status == 410:
                    self._version = ""
                    continue
                log.debug("argocd ConfigMap watch", error=str(err))
            except GitsyncError as err:
                log.debug("argocd ConfigMap watch", error=str(err))
            except Exception as err:  # a dropped connection mid-stream
                log.debug("argocd ConfigMap watch dropped", error=str(err))
            self._version = ""  # read again after an error: changes may have been missed
            if self._stopped.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _watch_once(self) -> None:
        info = self.cluster.resource_for("v1", "ConfigMap")
        query: dict[str, Any] = {
            "watch": True,
            "resourceVersion": self._version or None,
            "allowWatchBookmarks": True,
            "timeoutSeconds": self.watch_seconds,
            "fieldSelector": self._selector,
        }
        response = self.cluster.transport.open_stream(
            info.collection_path(self.namespace),
            query,
            read_timeout=self.watch_seconds + 30,
            resource="ConfigMap watch",
        )
        with self._lock:
            self._response = response
        if self._stopped.is_set():
            response.shutdown()
        try:
            for line in stream_lines(response):
                if self._stopped.is_set():
                    return
                self._handle(json.loads(line))
        finally:
            with self._lock:
                self._response = None
            response.close()
            response.release_conn()

    def _handle(self, event: Any) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
            return
        kind, obj = event.get("type"), event["object"]
        if kind == "ERROR":
            raise KubeError(str(obj.get("message") or "watch error"), None, obj.get("code"))
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if version:
            self._version = version
        if kind in ("ADDED", "MODIFIED"):
            self._apply(obj)
        elif kind == "DELETED":
            self._apply(None)
