"""What a sync did to each object: the action of each write, and the operation's change set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from gitsync.model.enums import ResultCode


class Action(StrEnum):
    """What one task's write did (kubectl's words where it has them).

    The result code Argo CD shows follows from it (`result`); `message` is the text a
    task result carries when nothing more specific is said.
    """

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    REPLACED = "replaced"
    RECREATED = "recreated"  # deleted and created again (Force=true on an immutable change)
    VALIDATED = "validated"  # a dry run accepted the write
    PRUNED = "pruned"
    PRUNE_SKIPPED = "pruneSkipped"
    FAILED = "failed"

    @property
    def result(self) -> ResultCode:
        return _RESULTS.get(self, ResultCode.SYNCED)

    @property
    def message(self) -> str:
        return _MESSAGES.get(self, self.value)

    @classmethod
    def from_message(cls, result: str, written: str) -> Action | None:
        """The action behind a result recorded before actions were stored: from its result
        code and the text its write left (``written``)."""
        if result == ResultCode.SYNC_FAILED:
            return cls.FAILED
        if result == ResultCode.PRUNE_SKIPPED:
            return cls.PRUNE_SKIPPED
        if result == ResultCode.PRUNED:
            return cls.PRUNED
        if result != ResultCode.SYNCED:
            return None
        return _BY_MESSAGE.get(written)


_RESULTS = {
    Action.PRUNED: ResultCode.PRUNED,
    Action.PRUNE_SKIPPED: ResultCode.PRUNE_SKIPPED,
    Action.FAILED: ResultCode.SYNC_FAILED,
}
_MESSAGES = {
    Action.RECREATED: "replaced (recreated)",
    Action.VALIDATED: "validated (dry run)",
    Action.PRUNE_SKIPPED: "prune skipped",
}
_BY_MESSAGE = {
    a.message: a
    for a in (
        Action.CREATED,
        Action.CONFIGURED,
        Action.UNCHANGED,
        Action.REPLACED,
        Action.RECREATED,
        Action.VALIDATED,
    )
}


@dataclass(frozen=True, slots=True)
class Change:
    """One object's action in an operation (`resource` as ``Kind/namespace/name``)."""

    resource: str
    action: Action
    hook: bool = False


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Every action of one operation, in task order."""

    changes: tuple[Change, ...] = ()

    @classmethod
    def of(cls, changes: Iterable[Change]) -> ChangeSet:
        return cls(tuple(changes))

    def counts(self) -> dict[Action, int]:
        """How many objects each action touched, in the enum's order."""
        found = Counter(c.action for c in self.changes)
        return {a: found[a] for a in Action if found[a]}

    def summary(self) -> str:
        """``2 created, 1 configured, 3 unchanged`` (empty when nothing was written)."""
        return ", ".join(f"{n} {a.value}" for a, n in self.counts().items())
