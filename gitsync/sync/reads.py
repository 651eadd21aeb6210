"""Reading the live objects of several tasks at once: one LIST per (apiVersion, kind,
namespace) where several tasks share one, else a GET each, concurrently."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from enum import Enum
from time import monotonic
from typing import Any, TypeVar

from gitsync.errors import KubeError
from gitsync.sync.port import CachedReads, ClusterPort
from gitsync.sync.task import Task

T = TypeVar("T")
R = TypeVar("R")

# A read of one task's live object: the object, None when it does not exist, or the error
# reading it (recorded on the task where a failed GET was recorded before).
Live = dict[str, Any] | None | KubeError


class Unread(Enum):
    """A task whose live object was not read (only the caller's `single` tasks are)."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD

# One LIST answers for every object of a kind in a namespace; from this many tasks of one
# (apiVersion, kind, namespace) it is cheaper than a GET each.
LIST_FROM = 3

# How long a look after our own writes waits, in all, for the watch cache to see them
# before reading from the server instead.
CACHE_WAIT = 0.2


class LiveReader:
    """Reads for one step of `app`'s operation, spread over `pool`."""

    def __init__(self, port: ClusterPort, app: str, pool: Executor) -> None:
        self.port = port
        self.app = app
        self.pool = pool

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`fn` over `items`, concurrently when there are several."""
        if len(items) <= 1:
            return [fn(item) for item in items]
        return list(self.pool.map(fn, items))

    def get(self, task: Task) -> dict[str, Any] | None:
        return self.port.get(task.api_version, task.kind, task.namespace, task.name)

    def read(self, task: Task) -> Live:
        try:
            return self.get(task)
        except KubeError as err:
            return err

    def lives(
        self, tasks: Sequence[Task], single: Callable[[Task], bool] | None = None
    ) -> list[Live | Unread]:
        """The live object of each task: one LIST per (apiVersion, kind, namespace) with at
        least LIST_FROM tasks, a GET for each of the others (only those `single` accepts,
        when given; the rest stay UNREAD). A failed read is returned, not raised."""
        groups: dict[tuple[str, str, str], list[int]] = {}
        for index, task in enumerate(tasks):
            groups.setdefault((task.api_version, task.kind, task.namespace), []).append(index)
        batches = [(key, idx) for key, idx in groups.items() if len(idx) >= LIST_FROM]

        def listed(batch: tuple[tuple[str, str, str], list[int]]) -> dict[str, Any]:
            (api_version, kind, namespace), idx = batch
            try:
                return self.port.list_live(
                    api_version, kind, namespace, [tasks[i].name for i in idx], self.app
                )
            except KubeError:
                return {}  # read each one, so a failure lands on its own task

        found: dict[int, Live | Unread] = {}
        for (_, idx), answer in zip(batches, self.map(listed, batches), strict=True):
            for index in idx:
                if tasks[index].name in answer:
                    found[index] = answer[tasks[index].name]
        rest = [i for i in range(len(tasks)) if i not in found]
        if single is not None:
            rest = [i for i in rest if single(tasks[i])]
        for index, live in zip(rest, self.map(self.read, [tasks[i] for i in rest]), strict=True):
            found[index] = live
        return [found.get(i, UNREAD) for i in range(len(tasks))]

    def lives_to_apply(
        self, tasks: Sequence[Task], cacheable: Callable[[Task], bool]
    ) -> list[Live | Unread]:
        """`lives` for tasks about to be applied: from the port's watch cache for the tasks
        `cacheable` accepts, where the cache can answer (`CachedReads.cached_live`); the
        others from the server. A cold sync then reads nothing before its applies."""
        found: dict[int, Live | Unread] = {}
        if isinstance(self.port, CachedReads):
            for index, task in enumerate(tasks):
                if cacheable(task):
                    known, cached = self.port.cached_live(task.api_version, task.key)
                    if known:
                        found[index] = cached
        rest = [i for i in range(len(tasks)) if i not in found]
        for index, live in zip(rest, self.lives([tasks[i] for i in rest]), strict=True):
            found[index] = live
        return [found[i] for i in range(len(tasks))]

    def lives_or_raise(self, tasks: Sequence[Task]) -> list[dict[str, Any] | None]:
        """`lives`, raising the first failed read (where a failed GET ended the step)."""
        result: list[dict[str, Any] | None] = []
        for live in self.lives(tasks):
            if isinstance(live, KubeError):
                raise live
            assert not isinstance(live, Unread)
            result.append(live)
        return result

    def lives_after(
        self, tasks: Sequence[Task], versions: Sequence[str]
    ) -> list[dict[str, Any] | None]:
        """`lives_or_raise` for tasks we wrote: each from the port's watch cache once it
        has seen the version our write left (`versions`, "" when unknown), the others
        from the server."""
        found: list[dict[str, Any] | Unread | None] = [UNREAD] * len(tasks)
        if isinstance(self.port, CachedReads):
            deadline = monotonic() + CACHE_WAIT
            for index, (task, version) in enumerate(zip(tasks, versions, strict=True)):
                if version:
                    wait = max(deadline - monotonic(), 0.0)
                    cached = self.port.cached_after(task.api_version, task.key, version, wait)
                    if cached is not None:
                        found[index] = cached
        rest = [i for i, live in enumerate(found) if isinstance(live, Unread)]
        for index, live in zip(rest, self.lives_or_raise([tasks[i] for i in rest]), strict=True):
            found[index] = live
        return [None if isinstance(live, Unread) else live for live in found]

    def resolve(self, task: Task, read: Live | Unread) -> dict[str, Any] | None:
        """The live object from an earlier read: raised when it failed, read now when it
        was not read."""
        if isinstance(read, KubeError):
            raise read
        return self.get(task) if isinstance(read, Unread) else read
