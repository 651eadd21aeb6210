"""Stamping a shard's ConfigMaps after taking its Lease over from a holder that did not
give it up.

That holder may still be alive (paused, cut off from the API server) with a write on its
way. Each stamp is a write with a resourceVersion precondition that names the new
tenure, so the old holder's next write of the object fails with 409 and, re-read, shows
a later tenure (`gitsync.shard.fencing`): it stops. Which ConfigMaps are stamped is the
caller's choice (the controller stamps the operations still running: a sync is the
write that must never run twice at once; other objects are fenced by the new owner's
first write of each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import structlog

from gitsync.errors import ConflictError, NotFoundError
from gitsync.shard.fencing import SHARD_LABEL, FenceToken

STAMP_ATTEMPTS = 3
log = structlog.get_logger("gitsync.shard")


class StampClient(Protocol):
    """The ConfigMap reads and writes stamping needs (`gitsync.kube.Cluster` has them)."""

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None: ...

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        patch: dict[str, Any],
    ) -> dict[str, Any]: ...


class Stamper:
    """Stamps the ConfigMaps matching `selector` of a shard that `wanted` picks."""

    def __init__(
        self,
        client: StampClient,
        namespace: str,
        selector: str,
        wanted: Callable[[dict[str, Any]], bool] = lambda configmap: True,
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._selector = selector
        self._wanted = wanted

    def __call__(self, token: FenceToken) -> None:
        selector = f"{self._selector},{SHARD_LABEL}={token.shard}"
        found = self._client.list(
            "v1", "ConfigMap", namespace=self._namespace, label_selector=selector
        )
        stamped = 0
        for configmap in found:
            if self._wanted(configmap):
                stamped += self._stamp(configmap, token)
        log.info("shard stamped", shard=token.shard, stamped=stamped, of=len(found))

    def _stamp(self, configmap: dict[str, Any], token: FenceToken) -> int:
        current: dict[str, Any] | None = configmap
        for _ in range(STAMP_ATTEMPTS):
            if current is None:
                return 0
            meta = current.get("metadata") or {}
            name = str(meta.get("name") or "")
            if token.outranked_by(meta.get("annotations") or {}):
                return 0  # a later tenure got here first
            patch = {
                "metadata": {
                    "resourceVersion": str(meta.get("resourceVersion") or ""),
                    "annotations": token.annotations(),
                }
            }
            try:
                self._client.patch("v1", "ConfigMap", self._namespace, name, patch)
                return 1
            except NotFoundError:
                return 0
            except ConflictError:
                current = self._client.get("v1", "ConfigMap", self._namespace, name)
        raise ConflictError(
            f"ConfigMap/{self._namespace}/{configmap['metadata']['name']}: "
            "kept changing while stamped"
        )
