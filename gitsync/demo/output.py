"""The demo's account on stdout: headings, the generated apps, timelines, a health table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from gitsync.controller.ordering import parse_wave
from gitsync.demo.follow import AppEvent, RolloutEvent, TaskEvent
from gitsync.model import Application

_COLORS = {
    "Healthy": "green",
    "Succeeded": "green",
    "Synced": "green",
    "Pruned": "magenta",
    "Progressing": "yellow",
    "Running": "cyan",
    "Missing": "yellow",
    "Suspended": "yellow",
    "Paused": "yellow",
    "OutOfSync": "yellow",
    "Degraded": "red",
    "Failed": "red",
    "SyncFailed": "red",
    "Error": "red",
}


class Printer:
    """Writes the demo's narration, coloured when the terminal allows."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.width = 20  # app name column

    def line(self, text: str = "") -> None:
        click.echo(text, color=self.color)

    def style(self, text: str, word: str | None = None, bold: bool = False) -> str:
        fg = _COLORS.get(word or text.split(" ")[0].rstrip(",:"))
        if not self.color or (fg is None and not bold):
            return text
        return click.style(text, fg=fg, bold=bold)

    def heading(self, text: str) -> None:
        self.line()
        self.line(self.style(f"== {text}", bold=True))

    def note(self, text: str) -> None:
        self.line(f"   note: {text}")

    def applications(self, apps: Sequence[Application], cluster_of: Mapping[str, str]) -> None:
        self.width = max((len(a.name) for a in apps), default=self.width)
        self.line(f"   {'APP':<{self.width}}  WAVE  CLUSTER     PATH            NAMESPACE")
        for app in apps:
            self.line(
                f"   {app.name:<{self.width}}  {parse_wave(app.annotations):>4}  "
                f"{cluster_of.get(app.name, '?'):<10}  {app.source.path:<14}  "
                f"{app.destination.namespace}"
            )

    # -- timelines ----------------------------------------------------------------------
    def app_event(self, event: AppEvent, since: float, wave: int) -> None:
        words = event.detail
        if event.what == "healthy":
            words = self.style(words, "Healthy")
        elif event.what == "finished":
            outcome = words.split(" ")[1] if " " in words else words
            words = f"sync {self.style(words[5:], outcome)}"
        self.line(f"   {_at(event.at, since)}  {event.app:<{self.width}}  wave {wave:>2}  {words}")

    def task_event(self, event: TaskEvent, since: float, *, app: bool = False) -> None:
        result = event.result
        what = ("hook " if result.hook else "") + result.resource
        who = f"{event.app:<{self.width}}  " if app else ""
        text = (
            f"   {_at(event.at, since)}  {who}{result.phase:<8} wave {result.wave:>2}  "
            f"{what:<40} {self.style(f'{event.outcome:<10}', event.outcome)}"
        )
        message = _worth_showing(event)
        self.line(f"{text} {message}" if message else text)

    def rollout_event(self, event: RolloutEvent, since: float, app: str) -> None:
        view = event.view
        self.line(
            f"   {_at(event.at, since)}  {app:<{self.width}}  live Rollout/{view.namespace}/"
            f"{view.name} {self.style(event.summary, view.health)}"
        )

    # -- tables -------------------------------------------------------------------------
    def status_table(
        self,
        names: Sequence[str],
        statuses: Mapping[str, Mapping[str, Any]],
        cluster_of: Mapping[str, str],
        rollouts: Mapping[str, str],
    ) -> None:
        """One row per app from the controller's status; a Rollout's live state below
        the app that owns it."""
        self.line(
            f"   {'APP':<{self.width}}  {'CLUSTER':<10}  WAVE  {'SYNC':<10}  {'LAST SYNC':<10}  "
            "REVISION  HEALTH"
        )
        for name in names:
            status = statuses.get(name) or {}
            sync = str(status.get("sync_status") or "Unknown")
            health = str(status.get("health") or "Unknown")
            message = str(status.get("health_message") or "")
            history = status.get("history") or []
            last = str(history[-1]["phase"]) if history else "-"
            op = status.get("operation") or {}
            if op.get("phase") == "Running":
                last = "Running"
            shown = self.style(health, health) + (f": {message}" if message else "")
            self.line(
                f"   {name:<{self.width}}  {cluster_of.get(name, '?'):<10}  "
                f"{int(status.get('wave') or 0):>4}  {self.style(f'{sync:<10}', sync)}  "
                f"{self.style(f'{last:<10}', last)}  {str(status.get('revision'))[:7]:<8}  {shown}"
            )
            if name in rollouts:
                self.line(f"   {'':<{self.width}}  {rollouts[name]}")


def _at(at: float, since: float) -> str:
    return f"+{max(at - since, 0.0):4.1f}s"


def _worth_showing(event: TaskEvent) -> str:
    """Hooks' and Rollouts' messages tell the story; a finished Deployment's last
    "waiting for" message would only confuse."""
    result = event.result
    if result.hook or result.kind == "Rollout" or event.outcome not in ("Synced", "Succeeded"):
        return result.message
    return ""
