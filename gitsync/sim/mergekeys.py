"""Which lists of built-in kinds are merged by a key (strategic merge and server-side apply).

Custom resources have no such knowledge: their lists are atomic.
"""

from __future__ import annotations

from typing import Any

# field name -> candidate key fields, the first one present in the items wins
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "ports": ("containerPort", "port"),
    "conditions": ("type",),
    "hostAliases": ("ip",),
    "topologySpreadConstraints": ("topologyKey",),
    "ownerReferences": ("uid",),
    "resourceClaims": ("name",),
}


def merge_key_for(field: str, items: list[Any]) -> str | None:
    """The key of a list field, or None when the list is atomic (replaced as a whole)."""
    candidates = MERGE_KEYS.get(field)
    if not candidates:
        return None
    for candidate in candidates:
        if all(isinstance(item, dict) and candidate in item for item in items):
            return candidate
    return None
