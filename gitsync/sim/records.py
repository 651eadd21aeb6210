"""The log of requests a SimCluster answered, for tests to assert on."""

from __future__ import annotations

import threading
from dataclasses import dataclass

WRITE_VERBS = frozenset(("create", "update", "patch", "delete", "deletecollection"))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the emulator answered, as tests inspect it."""

    method: str
    path: str
    query: dict[str, str]
    verb: str  # get, list, watch, create, update, patch, delete, deletecollection, or ""
    key: str | None  # "Kind/namespace/name" (or "Kind/name" when cluster-scoped)
    kind: str | None
    namespace: str | None
    name: str | None
    dry_run: bool
    status: int
    time: float  # time.monotonic() when the request arrived
    content_type: str = ""
    subresource: str = ""
    user: str = ""  # who the bearer token stands for, once RBAC is on
    user_agent: str = ""  # the User-Agent header: which client (process) sent it

    @property
    def is_write(self) -> bool:
        return self.verb in WRITE_VERBS and not self.dry_run


class RequestLog:
    """Every request the emulator answered, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()

    def __len__(self) -> int:
        return len(self.records)
