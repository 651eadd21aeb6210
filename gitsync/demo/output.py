"""The demo's account on stdout: headings, the generated apps, task lines, a health table."""

from __future__ import annotations

import time

import click

from gitsync.demo.syncstep import AppSync
from gitsync.health import Health
from gitsync.model import Application
from gitsync.sync.runner import SyncEvent
from gitsync.sync.state import TaskResult

_COLORS = {
    "Healthy": "green",
    "Succeeded": "green",
    "Synced": "green",
    "Pruned": "magenta",
    "Progressing": "yellow",
    "Running": "cyan",
    "Missing": "yellow",
    "Suspended": "yellow",
    "Degraded": "red",
    "Failed": "red",
    "SyncFailed": "red",
    "Error": "red",
}


class Printer:
    def __init__(self, color: bool) -> None:
        self.color = color
        self._seen: dict[tuple[str, str], str] = {}
        self._started = time.monotonic()

    def line(self, text: str = "") -> None:
        click.echo(text, color=self.color)

    def style(self, text: str, word: str | None = None, bold: bool = False) -> str:
        fg = _COLORS.get(word or text.split(" ")[0])
        if not self.color or (fg is None and not bold):
            return text
        return click.style(text, fg=fg, bold=bold)

    def heading(self, text: str) -> None:
        self.line()
        self.line(self.style(f"== {text}", bold=True))
        self._started = time.monotonic()
        self._seen.clear()

    def note(self, text: str) -> None:
        self.line(f"   note: {text}")

    def applications(self, apps: list[Application]) -> None:
        width = max((len(a.name) for a in apps), default=0)
        for app in apps:
            dest = app.destination
            self.line(
                f"   {app.name:<{width}}  path {app.source.path:<16} "
                f"-> {dest.server}  namespace {dest.namespace}"
            )

    def on_event(self, app: Application, event: SyncEvent) -> None:
        """One line when a hook starts and one when any task ends, so the order of
        phases, waves and hooks reads top to bottom."""
        for result in event.changed:
            outcome = _outcome(result)
            started = result.hook and outcome == "Running"
            rollout = result.kind == "Rollout"  # its waiting messages tell the blue-green story
            if not (started or rollout or result.task_status.completed):
                continue
            key = (app.name, result.id)
            shown = f"{outcome}|{result.message}" if rollout else outcome
            if self._seen.get(key) == shown:
                continue
            self._seen[key] = shown
            self.line(self._task_line(result, outcome))

    def _task_line(self, result: TaskResult, outcome: str) -> str:
        what = ("hook " if result.hook else "") + result.resource
        at = f"+{time.monotonic() - self._started:4.1f}s"
        text = (
            f"   {at}  {result.phase:<8} wave {result.wave:>2}  {what:<42} "
            f"{self.style(f'{outcome:<10}', outcome)}"
        )
        message = _worth_showing(result, outcome)
        return f"{text} {message}" if message else text

    def live_health(self, resource: str, health: Health) -> None:
        at = f"+{time.monotonic() - self._started:4.1f}s"
        self.line(f"   {at}  live {resource} is {self.health(health)}")

    def sync_result(self, result: AppSync) -> None:
        self.line(
            f"   => {self.style(result.phase)}  health {self.health(result.health)}"
            + (f"  ({result.message})" if result.phase != "Succeeded" and result.message else "")
        )

    def health(self, health: Health) -> str:
        status = str(health.status)
        text = self.style(status, status)
        return f"{text}: {health.message}" if health.message else text

    def health_table(self, results: list[AppSync]) -> None:
        width = max((len(r.app) for r in results), default=3)
        self.line(f"   {'APP':<{width}}  {'CLUSTER':<10}  {'SYNC':<9}  HEALTH")
        for result in results:
            self.line(
                f"   {result.app:<{width}}  {result.cluster:<10}  "
                f"{self.style(f'{result.phase:<9}', result.phase)}  {self.health(result.health)}"
            )


def _outcome(result: TaskResult) -> str:
    if result.hook:
        return result.status
    if result.status == "Running" and result.result == "Synced":
        return "Synced, waiting"
    return result.result or result.status


def _worth_showing(result: TaskResult, outcome: str) -> str:
    """Hooks' and Rollouts' messages tell the story; a finished Deployment's last
    "waiting for" message would only confuse."""
    if result.hook or result.kind == "Rollout" or outcome not in ("Synced", "Succeeded"):
        return result.message
    return ""
