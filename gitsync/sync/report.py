"""Showing a running sync: a live table on a terminal, one line per event elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import TracebackType
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from gitsync.model.enums import ResultCode
from gitsync.sync.runner import SyncEvent
from gitsync.sync.state import OperationState, TaskResult, TaskStatus

_STYLE = {
    "Synced": "green",
    "Pruned": "magenta",
    "PruneSkipped": "yellow",
    "SyncFailed": "red",
    "Succeeded": "green",
    "Failed": "red",
    "Error": "red",
    "Running": "cyan",
}


def outcome(result: TaskResult) -> str:
    """``Synced``/``Pruned``... for resources, the hook phase for hooks."""
    if result.hook:
        return result.status.value
    if result.result is ResultCode.SYNCED and result.status is TaskStatus.RUNNING:
        return "Synced (waiting)"
    if result.result is ResultCode.SYNCED and not result.status.successful:
        return f"Synced ({result.status.lower()})"  # written, then degraded or vanished
    return (result.result or result.status).value


def event_line(result: TaskResult) -> str:
    kind = "hook " if result.hook else ""
    text = f"{result.phase} wave {result.wave}  {kind}{result.resource}  {outcome(result)}"
    return f"{text}  {result.message}" if result.message else text


def summary_lines(state: OperationState) -> Iterator[str]:
    counts: dict[str, int] = {}
    for result in state.results.values():
        key = outcome(result)
        counts[key] = counts.get(key, 0) + 1
    detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    changes = state.changes().summary()
    yield f"{state.phase}: {state.message}"
    if detail:
        yield f"revision {state.revision or '-'}: {detail}" + (f" ({changes})" if changes else "")


class SyncView:
    """Shows nothing (used for ``-o json``); subclasses show progress."""

    def __enter__(self) -> SyncView:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def on_event(self, event: SyncEvent) -> None:
        return None


class PlainView(SyncView):
    """A plain line per change, for logs and pipes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def on_event(self, event: SyncEvent) -> None:
        for result in event.changed:
            print(event_line(result), file=self._stream, flush=True)
        if event.message_changed and not event.state.terminal:
            print(f"  ... {event.state.message}", file=self._stream, flush=True)


class RichView(SyncView):
    """A live table of every task with its state, redrawn as events arrive."""

    def __init__(self, app: str) -> None:
        self._app = app
        self._console = Console()
        self._live = Live(console=self._console, refresh_per_second=8, transient=False)

    def __enter__(self) -> SyncView:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.__exit__(exc_type, exc, tb)

    def on_event(self, event: SyncEvent) -> None:
        self._live.update(self._render(event.state))

    def _render(self, state: OperationState) -> Group:
        table = Table(title=f"sync {self._app} @ {state.revision[:12] or '-'}", expand=False)
        for column in ("phase", "wave", "resource", "state", "message"):
            table.add_column(column)
        for result in state.ordered_results():
            state_text = outcome(result)
            table.add_row(
                result.phase,
                str(result.wave),
                ("hook " if result.hook else "") + result.resource,
                Text(state_text, style=_STYLE.get(state_text.split(" ")[0], "")),
                result.message,
            )
        header = Text(f"{state.phase}: {state.message}", style=_STYLE.get(state.phase, ""))
        return Group(header, table)
