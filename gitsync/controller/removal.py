"""Deleting what a removed Application leaves behind: only what it provably owns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import structlog

from gitsync.errors import GitsyncError
from gitsync.kube import Cluster
from gitsync.model.annotations import SYNC_OPTIONS, SyncOptions
from gitsync.sync.tracking import annotations_of, is_tracked_by

log = structlog.get_logger("gitsync.controller")


def delete_owned(cluster: Cluster, candidates: Iterable[dict[str, Any]], app: str) -> None:
    """Delete each candidate `app` owns; a failure is logged and the others still go."""
    for obj in candidates:
        if not deletable_with(obj, app):
            continue
        meta = obj.get("metadata") or {}
        try:
            cluster.delete(
                str(obj.get("apiVersion")),
                str(obj.get("kind")),
                meta.get("namespace") or None,
                str(meta.get("name")),
            )
        except GitsyncError as err:
            log.warning("prune of removed app failed", app=app, error=str(err))


def deletable_with(obj: Mapping[str, Any], app: str) -> bool:
    """Only what the app provably owns goes with it (label and a tracking annotation that
    names this very object), and nothing marked `Delete=false`."""
    if not is_tracked_by(obj, app):
        return False
    options = str(annotations_of(obj).get(SYNC_OPTIONS, ""))
    return not SyncOptions.parse(options.split(",")).is_set("Delete", "false")
