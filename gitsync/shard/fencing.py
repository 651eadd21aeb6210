"""Fencing: a replica writes an app's ConfigMaps only while it holds the app's shard.

Two guards, because a check in the process alone cannot see a write already on its way:

- in the process, right before each write: the replica still holds the shard and renewed
  its Lease recently enough, by the monotonic clock (`Fence.token` raises `FencedError`);
  a process paused past its Lease finds its renewal stale and writes nothing;
- in the cluster: every write carries the resourceVersion it last saw as a precondition,
  and a stamp naming the writer's tenure (the shard Lease's uid and leaseTransitions).
  A write refused with 409 is re-read: when a newer tenure stamped the object since,
  the writer is fenced; otherwise (another writer's small edit, e.g. a forwarded refresh)
  it writes again on the fresh version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gitsync.errors import ConflictError, GitsyncError

CONTROLLER_ANNOTATION = "gitsync.io/controller"
FENCE_ANNOTATION = "gitsync.io/fence"  # "<lease name>/<lease uid>/<leaseTransitions>"
SHARD_LABEL = "gitsync.io/shard"
WRITE_ATTEMPTS = 3


class FencedError(GitsyncError):
    """This replica does not hold (or no longer freshly holds) the shard of the app."""


@dataclass(frozen=True)
class FenceToken:
    """One tenure of one shard: who holds it, and the Lease's uid and transitions then."""

    identity: str
    shard: int
    lease: str
    uid: str
    transitions: int

    def annotations(self) -> dict[str, str]:
        return {
            CONTROLLER_ANNOTATION: self.identity,
            FENCE_ANNOTATION: f"{self.lease}/{self.uid}/{self.transitions}",
        }

    def labels(self) -> dict[str, str]:
        return {SHARD_LABEL: str(self.shard)}

    def outranked_by(self, annotations: Mapping[str, Any]) -> bool:
        """True when an object stamped with `annotations` was written by a later tenure
        of the same Lease. A stamp of another Lease (another shard count) or of a Lease
        since recreated (another uid) does not outrank: holding the Lease now decides."""
        lease, uid, transitions = _parse_stamp(str(annotations.get(FENCE_ANNOTATION) or ""))
        return lease == self.lease and uid == self.uid and transitions > self.transitions


def _parse_stamp(text: str) -> tuple[str, str, int]:
    lease, _, rest = text.partition("/")
    uid, _, count = rest.partition("/")
    try:
        return lease, uid, int(count)
    except ValueError:
        return "", "", -1


class Fence(Protocol):
    """Who may write an app's objects now."""

    def token(self, app: str) -> FenceToken:
        """This replica's tenure of `app`'s shard; raises `FencedError` when it does not
        hold the shard, or its last renewal is too old to be sure it still does."""
        ...


Send = Callable[[dict[str, Any]], dict[str, Any]]
Read = Callable[[], dict[str, Any] | None]


class FencedWriter:
    """Writes ConfigMaps under the fence, remembering each one's last resourceVersion."""

    def __init__(self, fence: Fence, attempts: int = WRITE_ATTEMPTS) -> None:
        self.fence = fence
        self._attempts = max(attempts, 1)
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()

    def note(self, obj: Mapping[str, Any] | None) -> None:
        """Remember the resourceVersion of an object just read (None: it is absent)."""
        meta = (obj or {}).get("metadata") or {}
        name, version = str(meta.get("name") or ""), str(meta.get("resourceVersion") or "")
        if name:
            with self._lock:
                self._versions[name] = version

    def forget(self, name: str) -> None:
        """The next write of `name` goes without a precondition (e.g. after a handover:
        whatever is stored was written by an earlier owner, which no longer writes)."""
        with self._lock:
            self._versions.pop(name, None)

    def write(self, app: str, body: dict[str, Any], *, send: Send, read: Read) -> dict[str, Any]:
        """`send` `body` stamped with this replica's tenure of `app`'s shard and the last
        resourceVersion seen; on a 409, `read` the object and decide (see the module)."""
        name = str(body["metadata"]["name"])
        for _ in range(self._attempts):
            token = self.fence.token(app)  # raises FencedError: nothing is sent
            with self._lock:
                version = self._versions.get(name)
            meta = dict(body["metadata"])
            meta["labels"] = {**(meta.get("labels") or {}), **token.labels()}
            meta["annotations"] = {**(meta.get("annotations") or {}), **token.annotations()}
            if version:
                meta["resourceVersion"] = version
            try:
                result = send({**body, "metadata": meta})
            except ConflictError:
                current = read()
                if current is not None:
                    annotations = (current.get("metadata") or {}).get("annotations") or {}
                    if token.outranked_by(annotations):
                        held_by = annotations.get(CONTROLLER_ANNOTATION, "another replica")
                        raise FencedError(
                            f"{name}: written by {held_by} for a later tenure of {token.lease}"
                        ) from None
                    self.note(current)
                else:
                    self.forget(name)
                continue
            self.note(result)
            return result
        raise FencedError(
            f"{name}: still changing under this replica after {self._attempts} writes"
        )
