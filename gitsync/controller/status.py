"""What the controller knows about each Application, and where it keeps it.

Status lives in the cluster (one ConfigMap per app in gitsync's namespace), so a
restarted controller shows the same state and history as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitsync.model.enums import OperationPhase
from gitsync.shard.fencing import Fence, FencedWriter

HISTORY_LIMIT = 10
STATUS_KEY = "status.json"
COMPONENT_LABEL = "app.kubernetes.io/component"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


@dataclass
class SyncResult:
    """One finished sync operation, as shown in history. `resources` names the resources
    of a selective sync (``Kind/namespace/name``); empty when it synced them all."""

    revision: str
    phase: OperationPhase
    message: str
    started_at: float
    finished_at: float
    automated: bool = False
    id: int = 0  # numbered from 0 and never reused, as Argo CD numbers its history
    resources: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncResult:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "phase": OperationPhase(known["phase"])})


@dataclass
class ResourceStatus:
    """Sync status and health of one resource of an app, as the API and page show it."""

    group: str
    kind: str
    namespace: str
    name: str
    status: str
    health: str | None = None
    message: str = ""


@dataclass
class AppStatus:
    """Everything the controller knows about one app, persisted in a ConfigMap."""

    name: str
    project: str = "default"
    labels: dict[str, str] = field(default_factory=dict)
    sync_policy: str = ""  # "manual", "automated (prune, self-heal)", ...
    repo: str = ""
    path: str = ""
    chart: str = ""  # a chart from a Helm repository; `revision` is then its version
    target_revision: str = "HEAD"
    destination: str = ""
    destination_namespace: str = ""
    revision: str = ""
    commit: str = ""  # "subject — author, date" of `revision` (one Git source)
    sync_status: str = "Unknown"
    health: str = "Unknown"
    health_message: str = ""
    message: str = ""
    conditions: list[str] = field(default_factory=list)
    resources: list[ResourceStatus] = field(default_factory=list)
    operation: dict[str, Any] | None = None
    history: list[SyncResult] = field(default_factory=list)
    wave: int = 0
    depends_on: list[str] = field(default_factory=list)
    waiting_for: str = ""
    appset: str = ""
    # {"step", "status", "message"} when a RollingSync ApplicationSet owns the app
    rolling_sync: dict[str, Any] | None = None
    reconciled_at: float = 0.0
    last_synced_revision: str = ""
    # "<sha>:<spec digest>" of the last automated sync, so it runs once per input.
    sync_inputs: str = ""
    # `gitsync app set --suspend`: automated sync (and self-heal) paused; kept with the
    # status, so a restart keeps it paused. Manual syncs still run.
    auto_sync_suspended: bool = False

    def record(self, result: SyncResult) -> None:
        result.id = self.history[-1].id + 1 if self.history else 0
        self.history.append(result)
        del self.history[:-HISTORY_LIMIT]

    def to_dict(self) -> dict[str, Any]:
        """The status as plain data, as `dataclasses.asdict` gives it, several times
        faster: the API lists every app's status on each call. The `operation` and
        `rolling_sync` mappings are shared, not copied: they are replaced, never changed
        in place."""
        data = dict(vars(self))
        data["labels"] = dict(self.labels)
        data["conditions"] = list(self.conditions)
        data["depends_on"] = list(self.depends_on)
        data["resources"] = [dict(vars(r)) for r in self.resources]
        data["history"] = [{**vars(h), "resources": list(h.resources)} for h in self.history]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppStatus:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["resources"] = [ResourceStatus(**r) for r in data.get("resources", [])]
        known["history"] = [SyncResult.from_dict(h) for h in data.get("history", [])]
        return cls(**known)


class ConfigMapClient(Protocol):
    """The part of gitsync.kube.Cluster the status store uses."""

    def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> dict[str, Any] | None: ...

    def apply(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]: ...

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> bool: ...


def object_name(prefix: str, app: str) -> str:
    """A DNS-1123 name for an app's object: readable, unique, at most 63 characters."""
    slug = re.sub(r"[^a-z0-9-]+", "-", app.lower()).strip("-") or "app"
    digest = hashlib.sha256(app.encode()).hexdigest()[:8]
    return f"{prefix}-{slug[: 63 - len(prefix) - 10]}-{digest}".replace("--", "-")


def status_of(configmap: dict[str, Any]) -> AppStatus | None:
    """The status a ConfigMap holds; None when it holds none or an unreadable one."""
    raw = (configmap.get("data") or {}).get(STATUS_KEY)
    if not raw:
        return None
    try:
        return AppStatus.from_dict(json.loads(raw))
    except (ValueError, TypeError):
        return None  # a corrupt record is rebuilt by the next reconcile


class StatusStore:
    """App status as ConfigMaps ``gitsync-status-*`` labelled for listing.

    With a `fence` (``--shards``), each write is made only while this replica holds the
    app's shard, with the preconditions of `gitsync.shard.fencing`."""

    def __init__(self, client: ConfigMapClient, namespace: str, fence: Fence | None = None) -> None:
        self._client = client
        self._namespace = namespace
        self._fenced = FencedWriter(fence) if fence is not None else None

    def save(self, status: AppStatus) -> None:
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": object_name("gitsync-status", status.name),
                "namespace": self._namespace,
                "labels": {COMPONENT_LABEL: "app-status", MANAGED_BY_LABEL: "gitsync"},
                "annotations": {"gitsync.io/app-name": status.name},
            },
            "data": {STATUS_KEY: json.dumps(status.to_dict(), sort_keys=True)},
        }
        if self._fenced is None:
            self._client.apply(body)
            return
        name = body["metadata"]["name"]
        self._fenced.write(
            status.name,
            body,
            send=self._client.apply,
            read=lambda: self._client.get("v1", "ConfigMap", self._namespace, name),
        )

    def forget(self, app: str) -> None:
        """Another replica may have written `app`'s status since this one last did."""
        if self._fenced is not None:
            self._fenced.forget(object_name("gitsync-status", app))

    def load_all(self) -> dict[str, AppStatus]:
        items = self._client.list(
            "v1",
            "ConfigMap",
            namespace=self._namespace,
            label_selector=f"{COMPONENT_LABEL}=app-status",
        )
        out: dict[str, AppStatus] = {}
        for item in items:
            status = status_of(item)
            if status is not None:
                out[status.name] = status
        return out

    def delete(self, app: str) -> None:
        if self._fenced is not None:
            self._fenced.fence.token(app)  # raises FencedError: only the owner deletes
        self._client.delete("v1", "ConfigMap", self._namespace, object_name("gitsync-status", app))
