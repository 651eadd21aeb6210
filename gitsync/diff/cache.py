"""Reuse of the last result when neither side of a comparison has changed.

Keyed by (resource key, hash of the desired object and the rules, live resourceVersion):
a new resourceVersion or a new desired object is a new key, so entries never go stale,
they only age out (least recently used first).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from gitsync.diff.result import ResourceDiff
from gitsync.model.keys import ResourceKey

CacheKey = tuple[ResourceKey, str, str]


def content_hash(obj: Any, salt: str = "") -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((salt + text).encode()).hexdigest()


class DiffCache:
    """Bounded LRU of resource diffs keyed by the inputs that decide them."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._entries: OrderedDict[CacheKey, ResourceDiff] = OrderedDict()
        self._max = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> ResourceDiff | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: CacheKey, result: ResourceDiff) -> None:
        self._entries[key] = result
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
