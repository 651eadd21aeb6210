"""Optional persistence: the store saved as JSON (debounced, atomically replaced) and
loaded on start, so a dev cluster survives a restart."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from .api import Api
from .watchhub import WatchEvent

DEBOUNCE_SECONDS = 0.2


def load_state(api: Api, path: Path) -> bool:
    """Fill the store from `path`; False when there is no such file. CRDs first, so their
    kinds are served when custom resources come back."""
    if not path.exists():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    objects: list[dict[str, Any]] = data.get("objects") or []
    crds = [o for o in objects if o.get("kind") == "CustomResourceDefinition"]
    for crd in crds:
        api.registry.register_crd(crd)
    for obj in objects:
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        rtype = api.registry.by_kind(group, str(obj.get("kind") or ""))
        if rtype is not None:
            api.store.load(rtype, obj)
    with api.store.lock:
        api.store.rv = max(api.store.rv, int(data.get("resourceVersion") or 0))
        api.store.hub.set_compacted(api.store.rv)
    return True


def save_state(api: Api, path: Path) -> None:
    with api.store.lock:
        objects = [stored.obj for stored in api.store.all_objects()]
        rv = api.store.rv
    temporary = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary.write_text(
        json.dumps({"resourceVersion": rv, "objects": objects}, separators=(",", ":")),
        encoding="utf-8",
    )
    os.replace(temporary, path)


class StateSaver:
    """Saves at most every DEBOUNCE_SECONDS after a change, and once more on `stop()`."""

    def __init__(self, api: Api, path: Path) -> None:
        self.api = api
        self.path = path
        self._dirty = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-state", daemon=True)

    def on_event(self, event: WatchEvent) -> None:
        self._dirty.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._dirty.set()
        self._thread.join(5.0)
        with contextlib.suppress(OSError):
            save_state(self.api, self.path)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._dirty.wait()
            if self._stopped.is_set():
                return
            self._stopped.wait(DEBOUNCE_SECONDS)
            self._dirty.clear()
            with contextlib.suppress(OSError):
                save_state(self.api, self.path)
