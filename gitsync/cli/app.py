"""`gitsync app list|get|sync`: talk to a running controller's HTTP API."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import click

from gitsync.cli.controllerapi import call_api, format_table, server_options


@click.group("app")
def app_group() -> None:
    """Show and sync the Applications of a running controller."""


def _waiting(app: dict[str, Any]) -> str:
    if app.get("waiting_for"):
        return str(app["waiting_for"])
    operation = app.get("operation") or {}
    if operation.get("phase") == "Running":
        return str(operation.get("message") or "sync running")
    return ""


def _row(app: dict[str, Any]) -> list[str]:
    depends = ",".join(app.get("depends_on") or [])
    wave = str(app.get("wave", "")) + (f" <- {depends}" if depends else "")
    rolling = app.get("rolling_sync") or {}
    if rolling.get("step") is not None:
        wave += f" step {rolling['step']}"
    return [
        str(app.get("name", "")),
        str(app.get("sync_status", "")),
        str(app.get("health", "")),
        str(app.get("revision", ""))[:12],
        wave,
        _waiting(app),
    ]


def _table(rows: list[list[str]]) -> str:
    header = ["NAME", "SYNC", "HEALTH", "REVISION", "WAVE/DEPENDS-ON/STEP", "WAITING-FOR"]
    return format_table([header, *rows])


@app_group.command("list")
@server_options
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
def list_command(server: str, token: str | None, output: str) -> None:
    """Every Application with its sync status, health and revision."""
    items = call_api(server, token, "GET", "/api/v1/applications").get("items", [])
    if output == "json":
        click.echo(json.dumps(items, indent=2, sort_keys=True))
        return
    click.echo(_table([_row(a) for a in items]))


@app_group.command("get")
@server_options
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@click.argument("name")
def get_command(server: str, token: str | None, output: str, name: str) -> None:
    """One Application: status, resources, operation and history."""
    app = call_api(server, token, "GET", f"/api/v1/applications/{urllib.parse.quote(name)}")
    if output == "json":
        click.echo(json.dumps(app, indent=2, sort_keys=True))
        return
    click.echo(_table([_row(app)]))
    keys = ("repo", "path", "chart", "target_revision", "destination", "message", "health_message")
    for key in keys:
        if app.get(key):
            click.echo(f"{key}: {app[key]}")
    rolling = app.get("rolling_sync")
    if rolling:
        step = "no step" if rolling.get("step") is None else f"step {rolling['step']}"
        note = f": {rolling['message']}" if rolling.get("message") else ""
        click.echo(f"rolling sync: {step}, {rolling.get('status', '')}{note}")
    for condition in app.get("conditions") or []:
        click.echo(f"condition: {condition}")
    resources = app.get("resources") or []
    if resources:
        click.echo("resources:")
        for r in resources:
            where = f"{r['namespace']}/" if r.get("namespace") else ""
            click.echo(f"  {r['kind']}/{where}{r['name']}  {r['status']}  {r.get('health') or ''}")
    history = app.get("history") or []
    if history:
        click.echo("history:")
        for h in history:
            click.echo(f"  {str(h['revision'])[:12]}  {h['phase']}  {h.get('message', '')}")


@app_group.command("sync")
@server_options
@click.argument("name")
def sync_command(server: str, token: str | None, name: str) -> None:
    """Queue a sync of NAME now."""
    call_api(server, token, "POST", f"/api/v1/applications/{urllib.parse.quote(name)}/sync")
    click.echo(f"sync of {name} queued")
