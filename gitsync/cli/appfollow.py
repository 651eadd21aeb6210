"""`gitsync app sync [--wait]` and `gitsync app wait`: follow an app's status on a running
controller until an operation ends or the app reaches the states asked for."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

from gitsync.cli.controllerapi import ApiError, app_path, call_api, server_options
from gitsync.cli.output import colour_status, resource_name, use_colour
from gitsync.durations import parse_duration
from gitsync.model.enums import OperationPhase

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT = "10m"
EXIT_SUCCEEDED = 0
EXIT_FAILED = 1

Fetch = Callable[[], Mapping[str, Any]]


def timeout_option(fn: Any) -> Any:
    return click.option(
        "--timeout",
        default=DEFAULT_TIMEOUT,
        show_default=True,
        help="Give up after this long (e.g. 90s, 5m); exit status 2.",
    )(fn)


def _history_marker(app: Mapping[str, Any]) -> tuple[Any, Any]:
    """What changes when an operation ends: the last history entry's ID and end time."""
    history = app.get("history") or []
    if not history:
        return (None, None)
    last = history[-1]
    return (last.get("id", len(history) - 1), last.get("finished_at"))


def _running(app: Mapping[str, Any]) -> bool:
    return (app.get("operation") or {}).get("phase") == OperationPhase.RUNNING


@dataclass
class Progress:
    """Turns successive app views into the lines that say what changed, each once."""

    colour: bool = False
    seen: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    phase: tuple[str, str] = ("", "")
    waiting_for: str = ""

    def lines(self, app: Mapping[str, Any], operation: Mapping[str, Any] | None) -> list[str]:
        out: list[str] = []
        waiting = str(app.get("waiting_for") or "")
        if waiting and waiting != self.waiting_for and operation is None:
            out.append(f"waiting for: {waiting}")
        self.waiting_for = waiting
        if operation is None:
            return out
        for r in operation.get("resources") or []:
            name = resource_name(str(r.get("kind")), r.get("namespace"), str(r.get("name")))
            key = (str(r.get("phase", "")), str(r.get("wave", "")), name)
            now = (str(r.get("result") or ""), str(r.get("message") or ""))
            if now == ("", "") or self.seen.get(key) == now:
                continue
            self.seen[key] = now
            note = f"  {now[1]}" if now[1] else ""
            result = colour_status(now[0], self.colour)
            out.append(f"{key[0]:<8} wave {key[1]:>3}  {name}  {result}{note}".rstrip())
        phase = (str(operation.get("phase") or ""), str(operation.get("message") or ""))
        if phase != self.phase:
            self.phase = phase
            note = f": {phase[1]}" if phase[1] else ""
            out.append(f"operation {colour_status(phase[0], self.colour)}{note}")
        return out


def follow_operation(
    fetch: Fetch, before: Mapping[str, Any], deadline: float, echo: Callable[[str], None]
) -> Mapping[str, Any]:
    """Poll until the first operation that started after `before` ends; its final view."""
    marker = _history_marker(before)
    progress = Progress(colour=use_colour())
    while True:
        app = fetch()
        operation: Mapping[str, Any] | None = app.get("operation") or None
        ended = _history_marker(app) != marker
        ours = operation if (ended or _running(app)) else None
        for line in progress.lines(app, ours):
            echo(line)
        if ended and operation is not None:
            return operation
        _pause(deadline, "the sync to end")


def _pause(deadline: float, what: str) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ApiError(f"timed out waiting for {what}")
    time.sleep(min(POLL_SECONDS, left))


def unmet(app: Mapping[str, Any], sync: bool, health: bool, operation: bool) -> list[str]:
    """What of the asked-for states the app is not in yet, in words."""
    out = []
    if sync and app.get("sync_status") != "Synced":
        out.append(f"sync status {app.get('sync_status')}")
    if health and app.get("health") != "Healthy":
        out.append(f"health {app.get('health')}")
    if operation and _running(app):
        out.append("an operation running")
    return out


@click.command("wait")
@server_options
@click.option("--sync", "want_sync", is_flag=True, help="Wait until Synced.")
@click.option("--health", "want_health", is_flag=True, help="Wait until Healthy.")
@click.option("--operation", "want_operation", is_flag=True, help="Wait until no operation runs.")
@timeout_option
@click.argument("name")
def wait_command(
    server: str,
    token: str | None,
    want_sync: bool,
    want_health: bool,
    want_operation: bool,
    timeout: str,
    name: str,
) -> None:
    """Wait until NAME is Synced, Healthy and has no operation running (or only the
    states given); exit 2 on timeout."""
    if not (want_sync or want_health or want_operation):
        want_sync = want_health = want_operation = True
    deadline = time.monotonic() + parse_duration(timeout, what="--timeout")
    last: list[str] = []
    while True:
        app = call_api(server, token, "GET", app_path(name))
        missing = unmet(app, want_sync, want_health, want_operation)
        if not missing:
            click.echo(f"{name}: {app.get('sync_status')}, {app.get('health')}")
            return
        if missing != last:
            click.echo(f"{name}: waiting for {', '.join(missing)}")
            last = missing
        try:
            _pause(deadline, name)
        except ApiError:
            why = ", ".join(missing)
            raise ApiError(f"timed out after {timeout} waiting for {name}: {why}") from None
