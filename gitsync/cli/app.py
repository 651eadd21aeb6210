"""`gitsync app list|get|history`: show a running controller's Applications."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import click

from gitsync.cli.appactions import (
    diff_command,
    manifests_command,
    refresh_command,
    rollback_command,
    set_command,
    sync_command,
    terminate_command,
)
from gitsync.cli.appfollow import wait_command
from gitsync.cli.controllerapi import app_path, call_api, server_options
from gitsync.cli.labelselector import parse_label_selector
from gitsync.cli.output import (
    JSON,
    TABLE,
    WIDE,
    YAML,
    emit,
    format_table,
    output_option,
    resource_name,
    use_colour,
)
from gitsync.model.enums import OperationPhase

APP_COLUMNS = ["NAME", "SYNC", "HEALTH", "REVISION", "WAVE/DEPENDS-ON/STEP", "WAITING-FOR"]
WIDE_APP_COLUMNS = ["PROJECT", "REPO", "PATH", "DESTINATION", "NAMESPACE"]
HISTORY_COLUMNS = ["ID", "DATE", "REVISION", "PHASE", "AUTOMATED"]
RESOURCE_COLUMNS = ["RESOURCE", "SYNC", "HEALTH", "MESSAGE"]


@click.group("app")
def app_group() -> None:
    """Show, sync and wait for the Applications of a running controller."""


def _waiting(app: Mapping[str, Any]) -> str:
    if app.get("waiting_for"):
        return str(app["waiting_for"])
    operation = app.get("operation") or {}
    if operation.get("phase") == OperationPhase.RUNNING:
        return str(operation.get("message") or "sync running")
    return ""


def _row(app: Mapping[str, Any], wide: bool) -> list[str]:
    depends = ",".join(app.get("depends_on") or [])
    wave = str(app.get("wave", "")) + (f" <- {depends}" if depends else "")
    rolling = app.get("rolling_sync") or {}
    if rolling.get("step") is not None:
        wave += f" step {rolling['step']}"
    row = [
        str(app.get("name", "")),
        str(app.get("sync_status", "")),
        str(app.get("health", "")),
        str(app.get("revision", ""))[:12],
        wave,
        _waiting(app),
    ]
    if wide:
        row += [
            str(app.get("project", "")),
            str(app.get("repo", "")),
            str(app.get("path") or app.get("chart") or ""),
            str(app.get("destination", "")),
            str(app.get("destination_namespace", "")),
        ]
    return row


def apps_table(apps: Sequence[Mapping[str, Any]], wide: bool) -> str:
    header = APP_COLUMNS + (WIDE_APP_COLUMNS if wide else [])
    rows = [header, *(_row(a, wide) for a in apps)]
    return format_table(rows, colour=use_colour(), status_columns=(1, 2))


def selected(
    apps: Sequence[Mapping[str, Any]], selector: str | None, projects: Sequence[str]
) -> list[Mapping[str, Any]]:
    """The apps that match the label selector and are in one of `projects` (if any)."""
    chosen = parse_label_selector(selector or "")
    return [
        a
        for a in apps
        if chosen.matches(dict(a.get("labels") or {}))
        and (not projects or a.get("project") in projects)
    ]


@app_group.command("list")
@server_options
@output_option()
@click.option("-l", "--selector", help="Label selector, e.g. env=prod,team in (a,b).")
@click.option("-p", "--project", "projects", multiple=True, help="Only apps of this project.")
def list_command(
    server: str, token: str | None, output: str, selector: str | None, projects: tuple[str, ...]
) -> None:
    """Every Application with its sync status, health and revision."""
    items = call_api(server, token, "GET", "/api/v1/applications").get("items", [])
    apps = selected(items, selector, projects)
    emit(
        apps,
        output,
        table=lambda wide: apps_table(apps, wide),
        names=lambda: [str(a.get("name", "")) for a in apps],
    )


def resource_rows(app: Mapping[str, Any]) -> list[list[str]]:
    return [
        [
            resource_name(str(r.get("kind", "")), r.get("namespace"), str(r.get("name", ""))),
            str(r.get("status", "")),
            str(r.get("health") or ""),
            str(r.get("message") or ""),
        ]
        for r in app.get("resources") or []
    ]


def _details(app: Mapping[str, Any], wide: bool) -> str:
    colour = use_colour()
    lines = [apps_table([app], wide)]
    keys = ("project", "repo", "path", "chart", "target_revision", "destination", "message")
    for key in keys:
        if app.get(key):
            lines.append(f"{key}: {app[key]}")
    if app.get("health_message"):
        lines.append(f"health_message: {app['health_message']}")
    rolling = app.get("rolling_sync")
    if rolling:
        step = "no step" if rolling.get("step") is None else f"step {rolling['step']}"
        note = f": {rolling['message']}" if rolling.get("message") else ""
        lines.append(f"rolling sync: {step}, {rolling.get('status', '')}{note}")
    for condition in app.get("conditions") or []:
        lines.append(f"condition: {condition}")
    resources = resource_rows(app)
    if resources:
        table = format_table([RESOURCE_COLUMNS, *resources], colour=colour, status_columns=(1, 2))
        lines += ["", table]
    history = app.get("history") or []
    if history:
        lines += ["", history_table(history, wide)]
    return "\n".join(lines)


@app_group.command("get")
@server_options
@output_option()
@click.argument("name")
def get_command(server: str, token: str | None, output: str, name: str) -> None:
    """One Application: status, resources, operation and history."""
    app = call_api(server, token, "GET", app_path(name))
    emit(app, output, table=lambda wide: _details(app, wide), names=lambda: [name])


def history_rows(history: Sequence[Mapping[str, Any]], wide: bool) -> list[list[str]]:
    rows = []
    for index, entry in enumerate(history):
        when = float(entry.get("finished_at") or entry.get("started_at") or 0)
        row = [
            str(entry.get("id", index)),
            _date(when),
            str(entry.get("revision", ""))[: 40 if wide else 12],
            str(entry.get("phase", "")),
            "true" if entry.get("automated") else "false",
        ]
        if wide:
            took = when - float(entry.get("started_at") or when)
            selected = ",".join(entry.get("resources") or []) or "all"
            row += [f"{took:.1f}s", selected, str(entry.get("message") or "")]
        rows.append(row)
    return rows


def history_table(history: Sequence[Mapping[str, Any]], wide: bool) -> str:
    header = HISTORY_COLUMNS + (["DURATION", "RESOURCES", "MESSAGE"] if wide else [])
    rows = [header, *history_rows(history, wide)]
    return format_table(rows, colour=use_colour(), status_columns=(3,))


def _date(unix: float) -> str:
    if not unix:
        return ""
    moment = datetime.datetime.fromtimestamp(unix, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@app_group.command("history")
@server_options
@output_option((TABLE, WIDE, JSON, YAML))
@click.argument("name")
def history_command(server: str, token: str | None, output: str, name: str) -> None:
    """The sync history of NAME, oldest first, with Argo CD's IDs."""
    app = call_api(server, token, "GET", app_path(name))
    history = list(app.get("history") or [])
    for index, entry in enumerate(history):
        entry.setdefault("id", index)
    emit(history, output, table=lambda wide: history_table(history, wide))


for command in (
    sync_command,
    wait_command,
    rollback_command,
    diff_command,
    terminate_command,
    refresh_command,
    set_command,
    manifests_command,
):
    app_group.add_command(command)
