"""An application's health on its cluster: its desired objects next to their live ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitsync.health import Health, aggregate
from gitsync.model import Manifest
from gitsync.sync.kubeport import KubePort


def app_health(port: KubePort, manifests: Sequence[Manifest], dest_namespace: str) -> Health:
    """Aggregate health of the app's objects as they are live now (hooks do not count)."""
    pairs: list[tuple[Manifest | None, Mapping[str, Any] | None]] = []
    for manifest in manifests:
        if manifest.sync.is_hook or manifest.sync.skip:
            continue
        namespaced = port.namespaced(manifest.api_version, manifest.kind)
        namespace = (manifest.key.namespace or dest_namespace) if namespaced else ""
        live = port.get(manifest.api_version, manifest.kind, namespace, manifest.key.name)
        pairs.append((manifest, live))
    return aggregate(pairs)
