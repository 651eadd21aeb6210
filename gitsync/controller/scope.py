"""Namespace-scoped mode: an app may only put namespaced objects in watched namespaces.

With ``--watch-namespaces a,b`` the controller's rights (and its watch cache) end at
those namespaces, so an app is refused before anything is applied when its destination
namespace, or a namespace any of its objects names, lies outside them, or when it
renders a cluster-scoped object.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gitsync.errors import GitsyncError
from gitsync.model.keys import ResourceKey


class OutOfScopeError(GitsyncError):
    """An app reaches beyond the namespaces the controller watches."""


def check_scope(
    destination_namespace: str, desired: Iterable[dict[str, Any]], watched: Sequence[str]
) -> None:
    """Raise OutOfScopeError naming the first object (or the destination) outside
    `watched`. `desired` objects carry their namespace already (none: cluster-scoped)."""
    allowed = ", ".join(watched)
    if destination_namespace not in watched:
        raise OutOfScopeError(
            f"destination namespace {destination_namespace!r} is not watched "
            f"(--watch-namespaces {allowed})"
        )
    for obj in desired:
        namespace = str((obj.get("metadata") or {}).get("namespace") or "")
        if not namespace:
            raise OutOfScopeError(
                f"{ResourceKey.of(obj)} is cluster-scoped: not managed when watching only "
                f"namespaces {allowed}"
            )
        if namespace not in watched:
            raise OutOfScopeError(
                f"{ResourceKey.of(obj)} is in namespace {namespace!r}, which is not watched "
                f"(--watch-namespaces {allowed})"
            )
