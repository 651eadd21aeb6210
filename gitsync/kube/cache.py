"""`LiveCache`: the live objects of a set of kinds, kept current by watches.

After a kind's first LIST, reads cost no request: a steady-state reconcile reads here.
With `namespaces` (namespace-scoped mode) each namespaced kind is listed and watched in
each of those namespaces only, never across the cluster, and cluster-scoped kinds are
refused with `OutOfScopeError`: a controller whose rights end at those namespaces needs
no cluster-wide list or watch.
Objects are shared, not copied: every event replaces an object wholesale (nothing is
changed in place), so a reader holding one sees a consistent snapshot, but must not
change it (copy first). Reads are safe from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

from gitsync.errors import UnknownKindError
from gitsync.model.keys import ResourceKey, split_api_version

from .cluster import Cluster
from .discovery import ResourceInfo
from .labels import Selector
from .watch import WATCH_TIMEOUT_SECONDS, KindWatcher, is_older, version_number

log = logging.getLogger(__name__)

Listener = Callable[[str, dict[str, Any]], None]
GroupKind = tuple[str, str]
ObjectKey = tuple[str, str]  # namespace ("" when cluster-scoped), name


class OutOfScopeError(UnknownKindError):
    """A cluster-scoped kind asked of a cache limited to namespaces."""


class _KindState:
    def __init__(
        self, info: ResourceInfo, scopes: Sequence[str | None], index_label: str | None
    ) -> None:
        self.info = info
        self.index_label = index_label
        self.objects: dict[ObjectKey, dict[str, Any]] = {}
        self.indexed: dict[str, set[ObjectKey]] = {}  # index label's value -> objects
        self.resource_version = ""
        self.unlisted: set[str | None] = set(scopes)  # scopes whose first LIST is not in
        self.watchers: list[KindWatcher] = []

    @property
    def synced(self) -> bool:
        return not self.unlisted

    def put(self, key: ObjectKey, obj: dict[str, Any]) -> None:
        self.drop(key)
        self.objects[key] = obj
        value = _label(obj, self.index_label)
        if value is not None:
            self.indexed.setdefault(value, set()).add(key)

    def drop(self, key: ObjectKey) -> None:
        old = self.objects.pop(key, None)
        value = _label(old, self.index_label) if old is not None else None
        if value is not None:
            keys = self.indexed.get(value)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.indexed[value]

    def replace(self, objects: dict[ObjectKey, dict[str, Any]]) -> None:
        self.objects = {}
        self.indexed = {}
        for key, obj in objects.items():
            self.put(key, obj)

    @property
    def watcher(self) -> KindWatcher | None:
        return self.watchers[0] if self.watchers else None


def _label(obj: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    labels = (obj.get("metadata") or {}).get("labels")
    value = labels.get(name) if isinstance(labels, dict) else None
    return value if isinstance(value, str) else None


def _object_key(obj: dict[str, Any]) -> ObjectKey:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


class LiveCache:
    """Watch-fed copies of the live objects of the kinds asked for, read without requests."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        label_selector: str | None = None,
        watch_timeout: int = WATCH_TIMEOUT_SECONDS,
        namespaces: Sequence[str] | None = None,
        index_label: str | None = None,
    ) -> None:
        """`watch_timeout`: seconds the server keeps each watch stream open before the
        cache resumes it (a fresh stream now and then guards against silent stalls).
        `namespaces`: watch only these (None: the whole cluster). `index_label`: a label
        whose values are indexed, so `by_label("<label>=<value>")` reads only the objects
        carrying that value instead of matching every object of every kind."""
        self.cluster = cluster
        self.label_selector = label_selector
        self.index_label = index_label
        self.namespaces = tuple(sorted(set(namespaces))) if namespaces else None
        self.watch_timeout = watch_timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._start_lock = threading.Lock()  # one kind starts at a time: no double LIST
        self._kinds: dict[GroupKind, _KindState] = {}
        self._listeners: list[Listener] = []
        self._stopped = False

    def __enter__(self) -> LiveCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- tracking kinds -------------------------------------------------------------------
    def ensure_kind(self, api_version: str, kind: str) -> ResourceInfo:
        """Track a kind: LIST it now (errors such as `UnknownKindError` reach the caller),
        then keep it current with a watch. Cheap when already tracked."""
        group, _ = split_api_version(api_version)
        with self._lock:
            state = self._kinds.get((group, kind))
            if state is not None and state.synced:
                return state.info
        with self._start_lock:
            with self._lock:
                if self._stopped:
                    raise RuntimeError("LiveCache is stopped")
                state = self._kinds.get((group, kind))
                if state is not None and state.synced:
                    return state.info
            info = self.cluster.resource_for(api_version, kind)
            scopes: Sequence[str | None] = (None,)
            if self.namespaces is not None:
                if not info.namespaced:
                    raise OutOfScopeError(
                        f"{kind} is cluster-scoped: not managed when watching only "
                        f"namespaces {', '.join(self.namespaces)}"
                    )
                scopes = self.namespaces
            watchers = [
                KindWatcher(self, info, self.label_selector, self.watch_timeout, scope)
                for scope in scopes
            ]
            with self._lock:
                self._kinds[(group, kind)] = state = _KindState(info, scopes, self.index_label)
                state.watchers = watchers
            started: list[KindWatcher] = []
            try:
                for watcher in watchers:
                    watcher.start()
                    started.append(watcher)
            except BaseException:
                for watcher in started:
                    watcher.stop()
                with self._lock:
                    del self._kinds[(group, kind)]
                raise
            return info

    def ensure_kinds(self, kinds: Iterable[tuple[str, str]]) -> None:
        for api_version, kind in kinds:
            self.ensure_kind(api_version, kind)

    def tracked(self) -> list[ResourceInfo]:
        with self._lock:
            return [state.info for state in self._kinds.values()]

    def wait_synced(self, timeout: float) -> bool:
        """True once every tracked kind has its first LIST in (False after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(s.synced for s in self._kinds.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            watchers = [w for s in self._kinds.values() for w in s.watchers]
        for watcher in watchers:
            watcher.stop()

    # -- reads (no requests) --------------------------------------------------------------
    def get(self, key: ResourceKey) -> dict[str, Any] | None:
        with self._lock:
            state = self._kinds.get((key.group, key.kind))
            if state is None:
                return None
            return state.objects.get((key.namespace, key.name))

    def objects(
        self, api_version: str, kind: str, *, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        group, _ = split_api_version(api_version)
        return self.objects_of(group, kind, namespace=namespace)

    def objects_of(
        self, group: str, kind: str, *, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            state = self._kinds.get((group, kind))
            if state is None:
                return []
            values = list(state.objects.values())
        if namespace is None:
            return values
        return [o for o in values if (o.get("metadata") or {}).get("namespace") == namespace]

    def by_label(
        self,
        selector: str | dict[str, str],
        kinds: Iterable[tuple[str, str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Objects matching a label selector, across `kinds` ((apiVersion, kind) pairs) or
        every tracked kind."""
        match = Selector(selector)
        value = self._indexed_value(selector)
        with self._lock:
            if kinds is None:
                states = list(self._kinds.values())
            else:
                wanted = {(split_api_version(av)[0], k) for av, k in kinds}
                states = [s for gk, s in self._kinds.items() if gk in wanted]
            if value is not None:
                candidates = [s.objects[k] for s in states for k in s.indexed.get(value, ())]
            else:
                candidates = [obj for s in states for obj in s.objects.values()]
        return [o for o in candidates if match.matches((o.get("metadata") or {}).get("labels"))]

    def _indexed_value(self, selector: str | dict[str, str]) -> str | None:
        """The value when `selector` is exactly "<index label>=<value>"."""
        if self.index_label is None:
            return None
        if isinstance(selector, dict):
            return selector.get(self.index_label) if len(selector) == 1 else None
        name, sep, value = selector.partition("=")
        value = value.removeprefix("=")  # "==" means "=" too
        if not sep or name.strip() != self.index_label or "," in value or "=" in value:
            return None
        return value.strip()

    def resource_version(self, api_version: str, kind: str) -> str:
        """The newest resourceVersion the cache has seen for the kind."""
        group, _ = split_api_version(api_version)
        with self._lock:
            state = self._kinds.get((group, kind))
            return state.resource_version if state else ""

    def fresh_after(
        self, api_version: str, kind: str, resource_version: str, timeout: float = 5.0
    ) -> bool:
        """Wait until the cache has seen the kind at `resource_version` or later (e.g. the
        version an apply returned). False on timeout, or when versions are not integers
        and the exact version was not seen."""
        group, _ = split_api_version(api_version)
        wanted = version_number(resource_version)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                state = self._kinds.get((group, kind))
                if state is not None:
                    seen = state.resource_version
                    have = version_number(seen)
                    if seen == resource_version or (
                        wanted is not None and have is not None and have >= wanted
                    ):
                        return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    def watcher(self, api_version: str, kind: str) -> KindWatcher | None:
        """The kind's watcher (its counters show restarts and relists)."""
        group, _ = split_api_version(api_version)
        with self._lock:
            state = self._kinds.get((group, kind))
            return state.watcher if state else None

    def watchers(self, api_version: str, kind: str) -> list[KindWatcher]:
        """The kind's watchers: one, or one per namespace in namespace-scoped mode."""
        group, _ = split_api_version(api_version)
        with self._lock:
            state = self._kinds.get((group, kind))
            return list(state.watchers) if state else []

    # -- listeners ------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """`listener(event_type, obj)` after each change (ADDED, MODIFIED, DELETED), from a
        watch thread. Returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    # -- fed by watchers ------------------------------------------------------------------
    def replace_kind(
        self,
        info: ResourceInfo,
        items: list[dict[str, Any]],
        resource_version: str,
        *,
        namespace: str | None = None,
    ) -> None:
        """A (re)LIST: the kind's objects (in `namespace`, when the list was of one) are
        exactly `items`; listeners hear the difference."""
        fresh = {_object_key(obj): obj for obj in items}
        events: list[tuple[str, dict[str, Any]]] = []
        with self._changed:
            state = self._kinds.get((info.group, info.kind))
            if state is None:
                return
            old = state.objects
            if namespace is not None:  # the other namespaces' objects stay as they are
                old = {key: obj for key, obj in old.items() if key[0] == namespace}
                fresh = {key: obj for key, obj in fresh.items() if key[0] == namespace}
            for key, obj in fresh.items():
                before = old.get(key)
                if before is None:
                    events.append(("ADDED", obj))
                elif _version(before) != _version(obj):
                    events.append(("MODIFIED", obj))
            events.extend(("DELETED", obj) for key, obj in old.items() if key not in fresh)
            if namespace is None:
                state.replace(fresh)
                state.resource_version = resource_version
            else:
                kept = {k: o for k, o in state.objects.items() if k[0] != namespace}
                state.replace({**kept, **fresh})
                if not is_older(resource_version, state.resource_version):
                    state.resource_version = resource_version
            state.unlisted.discard(namespace)
            self._changed.notify_all()
            listeners = list(self._listeners)
        self._notify(listeners, events)

    def apply_event(
        self, info: ResourceInfo, event_type: str, obj: dict[str, Any], resource_version: str
    ) -> None:
        key = _object_key(obj)
        with self._changed:
            state = self._kinds.get((info.group, info.kind))
            if state is None:
                return
            if event_type == "DELETED":
                state.drop(key)
            else:
                state.put(key, obj)
            if resource_version and not is_older(resource_version, state.resource_version):
                state.resource_version = resource_version
            self._changed.notify_all()
            listeners = list(self._listeners)
        self._notify(listeners, [(event_type, obj)])

    def note_version(self, info: ResourceInfo, resource_version: str) -> None:
        """A bookmark: nothing changed up to `resource_version`."""
        with self._changed:
            state = self._kinds.get((info.group, info.kind))
            if state is not None:
                state.resource_version = resource_version
                self._changed.notify_all()

    @staticmethod
    def _notify(listeners: list[Listener], events: list[tuple[str, dict[str, Any]]]) -> None:
        for event_type, obj in events:
            for listener in listeners:
                try:
                    listener(event_type, obj)
                except Exception:  # one broken listener must not stop the watch
                    log.exception("cache listener failed on %s", event_type)


def _version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")
