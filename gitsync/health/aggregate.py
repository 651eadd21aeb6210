"""An application's health from its resources (SEMANTICS.md, "Health")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gitsync.health.fields import mapping
from gitsync.health.registry import assess
from gitsync.health.types import Health
from gitsync.model.annotations import parse_sync_annotations
from gitsync.model.enums import HealthStatus
from gitsync.model.keys import ResourceKey
from gitsync.model.manifest import Manifest


def _left_out_by_annotations(live: Mapping[str, Any]) -> bool:
    raw = mapping(live, "metadata", "annotations")
    annotations = {str(k): str(v) for k, v in raw.items()}
    sync = parse_sync_annotations(annotations)
    return sync.is_hook or sync.skip or sync.ignore_healthcheck


def _left_out(desired: Manifest | None, live: Mapping[str, Any] | None) -> bool:
    """Hooks, ``hook: Skip`` objects and ``ignore-healthcheck: "true"`` do not count."""
    if desired is not None and (
        desired.sync.is_hook or desired.sync.skip or desired.sync.ignore_healthcheck
    ):
        return True
    return live is not None and _left_out_by_annotations(live)


def _name(desired: Manifest | None, live: Mapping[str, Any] | None) -> str:
    if desired is not None:
        return str(desired.key)
    return str(ResourceKey.of(dict(live or {})))


def aggregate(items: Iterable[tuple[Manifest | None, Mapping[str, Any] | None]]) -> Health:
    """Worst health of an application's (desired, live) pairs.

    A desired object without a live one is Missing; objects whose kind has no check
    neither help nor hurt; with nothing live at all the application is Missing. The
    message names the resource that decided, e.g. ``Deployment/prod/web: ...``.
    """
    worst: Health | None = None
    worst_name = ""
    anything_live = False
    for desired, live in items:
        if desired is None and live is None:
            continue
        if _left_out(desired, live):
            continue
        if live is None:
            found: Health | None = Health(HealthStatus.MISSING, "not found in the cluster")
        else:
            anything_live = True
            found = assess(live)
        if found is None:
            continue
        if worst is None or found.status.severity > worst.status.severity:
            worst, worst_name = found, _name(desired, live)
    if not anything_live:
        return Health(HealthStatus.MISSING, worst_name and f"{worst_name}: not found")
    if worst is None:
        return Health(HealthStatus.HEALTHY)
    if worst.status is HealthStatus.HEALTHY:
        return Health(HealthStatus.HEALTHY)
    return Health(worst.status, f"{worst_name}: {worst.message}" if worst.message else worst_name)
