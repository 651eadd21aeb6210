"""What `gitsync serve` gives ApplicationSet generators beyond Git: cluster objects read
through the API, the allowed network services, and re-runs on `requeueAfterSeconds`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from gitsync.appset.context import GeneratorEnv
from gitsync.appset.resources import kind_matches
from gitsync.controller.config import ControllerConfig
from gitsync.errors import AppSetError, GitsyncError
from gitsync.kube import Cluster
from gitsync.kube.discovery import group_version_path, parse_resource_list


class ClusterResources:
    """A ResourceReader over the local cluster's API."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster

    def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Mapping[str, Any] | None:
        try:
            return self._cluster.get(api_version, kind, namespace, name)
        except GitsyncError as err:
            raise AppSetError(f"cannot read {kind}/{namespace}/{name}: {err}") from None

    def list(self, api_version: str, kind: str, namespace: str) -> list[Mapping[str, Any]]:
        try:
            served = self._kind(api_version, kind)
            return list(self._cluster.list(api_version, served, namespace=namespace))
        except GitsyncError as err:
            raise AppSetError(f"cannot list {kind} ({api_version}) in {namespace}: {err}") from None

    def _kind(self, api_version: str, wanted: str) -> str:
        """The served kind `wanted` names, as itself or as its plural resource name."""
        body = self._cluster.transport.call("GET", "GET", group_version_path(api_version))
        for info in parse_resource_list(api_version, body).values():
            if info.plural == wanted.lower() or kind_matches(info.kind, wanted):
                return info.kind
        raise AppSetError(f"the server does not serve {wanted} in {api_version}")


def generator_env(config: ControllerConfig, cluster: Cluster) -> GeneratorEnv:
    return GeneratorEnv(
        resources=ClusterResources(cluster),
        allowed_urls=config.allowed_generator_urls,
        namespace=config.namespace,
        new_git_file_globbing=config.new_git_file_globbing,
    )


class RequeueTimer:
    """When to expand the ApplicationSets again although the root did not move.

    `plan(seconds)` after every expansion asks for a wake-up (`schedule`) unless an
    earlier one is pending; `take()` when it fires says whether one is due now.
    """

    def __init__(
        self, schedule: Callable[[float], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._schedule = schedule
        self._clock = clock
        self._lock = threading.Lock()
        self._due: float | None = None

    def plan(self, seconds: float | None) -> None:
        with self._lock:
            now = self._clock()
            if seconds is None:
                self._due = None
                return
            due = now + seconds
            if self._due is not None and now < self._due <= due:
                return
            self._due = due
        self._schedule(seconds)

    def take(self) -> bool:
        with self._lock:
            if self._due is None or self._clock() < self._due:
                return False
            self._due = None
            return True
