"""The object store: objects by (group, kind) -> namespace -> name, a global
resourceVersion counter, indexes by uid and by owner uid, and event publication.

Stored objects are never mutated: every change stores a new dict and its JSON, so reads
serve the cached bytes and writers start from ``json.loads(raw)`` (a cheap private copy).
One re-entrant lock guards everything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .registry import Registry, ResourceType
from .watchhub import WatchEvent, WatchHub

Obj = dict[str, Any]
Listener = Callable[[WatchEvent], None]


@dataclass(slots=True)
class Stored:
    """One stored object with its serialised form and resourceVersion."""

    obj: Obj
    raw: bytes
    rv: int


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def meta_of(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


class Store:
    """The emulator's objects by kind, namespace and name, with one resourceVersion counter."""

    def __init__(self, registry: Registry, hub: WatchHub) -> None:
        self.registry = registry
        self.hub = hub
        self.lock = threading.RLock()
        self.rv = 0
        self._objects: dict[tuple[str, str], dict[str, dict[str, Stored]]] = {}
        self._by_uid: dict[str, tuple[str, str, str, str]] = {}
        self._dependents: dict[str, set[tuple[str, str, str, str]]] = {}
        self._ns_counts: dict[str, int] = {}
        self.listeners: list[Listener] = []

    # -- reads ------------------------------------------------------------------------
    def get(self, group: str, kind: str, namespace: str, name: str) -> Stored | None:
        with self.lock:
            return self._objects.get((group, kind), {}).get(namespace, {}).get(name)

    def get_by_uid(self, uid: str) -> Stored | None:
        with self.lock:
            key = self._by_uid.get(uid)
            return self.get(*key) if key else None

    def items(self, group: str, kind: str, namespace: str | None) -> list[Stored]:
        """All objects of a kind, in one namespace or all, sorted by namespace and name."""
        with self.lock:
            by_ns = self._objects.get((group, kind), {})
            if namespace is not None:
                spaces = [(namespace, by_ns.get(namespace, {}))]
            else:
                spaces = sorted(by_ns.items())
            out: list[Stored] = []
            for _, names in spaces:
                out.extend(names[n] for n in sorted(names))
            return out

    def kinds(self) -> list[tuple[str, str]]:
        with self.lock:
            return [k for k, v in self._objects.items() if any(v.values())]

    def dependents_of(self, uid: str) -> list[Stored]:
        with self.lock:
            found = [self.get(*key) for key in self._dependents.get(uid, ())]
            return [s for s in found if s is not None]

    def count_in_namespace(self, namespace: str) -> int:
        with self.lock:
            return self._ns_counts.get(namespace, 0)

    def all_objects(self) -> Iterator[Stored]:
        with self.lock:
            snapshot = [
                s for by_ns in self._objects.values() for n in by_ns.values() for s in n.values()
            ]
        return iter(snapshot)

    # -- writes -----------------------------------------------------------------------
    def next_rv(self) -> int:
        with self.lock:
            self.rv += 1
            return self.rv

    def commit(self, rtype: ResourceType, obj: Obj, event_type: str) -> Stored:
        """Store `obj` (ADDED/MODIFIED) or remove it (DELETED) with a new resourceVersion,
        publish the event and update indexes. `obj` must not be mutated afterwards."""
        with self.lock:
            rv = self.next_rv()
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(rv)
            raw = dumps(obj)
            stored = Stored(obj, raw, rv)
            namespace = str(meta.get("namespace") or "") if rtype.namespaced else ""
            name = str(meta.get("name"))
            key = (rtype.group, rtype.kind, namespace, name)
            by_ns = self._objects.setdefault((rtype.group, rtype.kind), {})
            names = by_ns.setdefault(namespace, {})
            previous = names.get(name)
            if previous is not None:
                self._unindex(key, previous.obj)
            if event_type == "DELETED":
                names.pop(name, None)
                if previous is not None and namespace:
                    self._ns_counts[namespace] = self._ns_counts.get(namespace, 1) - 1
            else:
                names[name] = stored
                self._index(key, obj)
                if previous is None and namespace:
                    self._ns_counts[namespace] = self._ns_counts.get(namespace, 0) + 1
            event = WatchEvent(rv, event_type, rtype.group, rtype.kind, namespace, name, obj, raw)
            self.hub.publish(event)
            for listener in self.listeners:
                listener(event)
            return stored

    def load(self, rtype: ResourceType, obj: Obj) -> None:
        """Put an object back as it was saved (persistence), without an event."""
        with self.lock:
            meta = obj["metadata"]
            namespace = str(meta.get("namespace") or "") if rtype.namespaced else ""
            name = str(meta["name"])
            rv = int(meta.get("resourceVersion") or 0)
            key = (rtype.group, rtype.kind, namespace, name)
            by_ns = self._objects.setdefault((rtype.group, rtype.kind), {})
            by_ns.setdefault(namespace, {})[name] = Stored(obj, dumps(obj), rv)
            self._index(key, obj)
            if namespace:
                self._ns_counts[namespace] = self._ns_counts.get(namespace, 0) + 1
            self.rv = max(self.rv, rv)

    def _index(self, key: tuple[str, str, str, str], obj: Obj) -> None:
        meta = meta_of(obj)
        uid = meta.get("uid")
        if uid:
            self._by_uid[str(uid)] = key
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                self._dependents.setdefault(str(ref["uid"]), set()).add(key)

    def _unindex(self, key: tuple[str, str, str, str], obj: Obj) -> None:
        meta = meta_of(obj)
        uid = meta.get("uid")
        if uid and self._by_uid.get(str(uid)) == key:
            del self._by_uid[str(uid)]
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, dict) and ref.get("uid"):
                deps = self._dependents.get(str(ref["uid"]))
                if deps is not None:
                    deps.discard(key)
                    if not deps:
                        del self._dependents[str(ref["uid"])]
