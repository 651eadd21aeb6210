"""How gitsync marks the objects it owns, and how it recognises them again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.model.annotations import TRACKING_ANNOTATION, TRACKING_LABEL
from gitsync.model.keys import ResourceKey

# Keeps a hook object (and a Job's pods) around until its result has been read.
HOOK_FINALIZER = "gitsync.io/hook-finalizer"


def tracking_id(app: str, key: ResourceKey) -> str:
    """``<app>:<group>/<kind>:<namespace>/<name>``: names the app and the object itself,
    so an annotation copied onto another object does not make that object ours."""
    return f"{app}:{key.group}/{key.kind}:{key.namespace}/{key.name}"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    found = _meta(obj).get("annotations")
    return dict(found) if isinstance(found, Mapping) else {}


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    found = _meta(obj).get("labels")
    return dict(found) if isinstance(found, Mapping) else {}


def finalizers_of(obj: Mapping[str, Any]) -> list[str]:
    found = _meta(obj).get("finalizers")
    return [str(f) for f in found] if isinstance(found, list) else []


def owner_app(obj: Mapping[str, Any]) -> str | None:
    """The app named by the object's tracking annotation, if it names the object itself."""
    value = annotations_of(obj).get(TRACKING_ANNOTATION)
    if not value:
        return None
    app, sep, _ = value.partition(":")
    if not sep or value != tracking_id(app, ResourceKey.of(dict(obj))):
        return None
    return app


def is_tracked_by(obj: Mapping[str, Any], app: str) -> bool:
    return owner_app(obj) == app


def add_tracking(obj: dict[str, Any], app: str, key: ResourceKey) -> None:
    """Label and annotate `obj` (changed in place) as belonging to `app`."""
    meta = obj.setdefault("metadata", {})
    labels = dict(meta.get("labels") or {})
    labels[TRACKING_LABEL] = app
    meta["labels"] = labels
    annotations = dict(meta.get("annotations") or {})
    annotations[TRACKING_ANNOTATION] = tracking_id(app, key)
    meta["annotations"] = annotations
