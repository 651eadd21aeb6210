"""`gitsync app rollback|diff|terminate-op|refresh`: the controller's action endpoints."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import click
import yaml

from gitsync.cli.appfollow import EXIT_FAILED, EXIT_SUCCEEDED, follow_operation, timeout_option
from gitsync.cli.controllerapi import ApiError, app_path, call_api, server_options
from gitsync.cli.output import JSON, TABLE, YAML, dump, output_option, resource_name
from gitsync.durations import parse_duration
from gitsync.model.enums import OperationPhase
from gitsync.sync.selection import parse_selectors

EXIT_IN_SYNC = 0
EXIT_DIFFERENT = 1


def history_index(app: Mapping[str, Any], history_id: int) -> int:
    """The position in the kept history of the entry `app history` shows as `history_id`."""
    for index, entry in enumerate(app.get("history") or []):
        if entry.get("id", index) == history_id:
            return index
    raise ApiError(f"{app.get('name')} has no history entry {history_id} (see `app history`)")


def finish(
    server: str, token: str | None, name: str, before: Mapping[str, Any], deadline: float
) -> int:
    """Follow the operation queued after `before` to its end; the exit status."""

    def fetch() -> Mapping[str, Any]:
        return dict(call_api(server, token, "GET", app_path(name)))

    try:
        operation = follow_operation(fetch, before, deadline, click.echo)
    except ApiError as err:
        raise ApiError(f"{name}: {err}") from None
    phase = str(operation.get("phase", ""))
    revision = str(operation.get("revision", ""))[:12]
    click.echo(f"sync of {name} {phase} at revision {revision}")
    return EXIT_SUCCEEDED if phase == OperationPhase.SUCCEEDED else EXIT_FAILED


@click.command("sync")
@server_options
@click.option("--wait", is_flag=True, help="Follow the sync until it ends; exit 1 if it fails.")
@timeout_option
@click.option("--prune", is_flag=True, help="Delete the app's objects that left Git.")
@click.option("--dry-run", is_flag=True, help="Validate every write with dry-run; change nothing.")
@click.option(
    "--revision",
    default="",
    help="Sync this branch, tag or SHA once (not with automated sync on another revision).",
)
@click.option(
    "--resource",
    "resources",
    multiple=True,
    metavar="KIND/NS/NAME",
    help="Sync only this resource of the app (KIND/NAME when cluster-scoped, "
    "GROUP/KIND/NS/NAME to name the group); no hooks run. Repeatable.",
)
@click.argument("name")
def sync_command(
    server: str,
    token: str | None,
    wait: bool,
    timeout: str,
    prune: bool,
    dry_run: bool,
    revision: str,
    resources: tuple[str, ...],
    name: str,
) -> int:
    """Sync NAME now; with --wait, print its progress until it ends (exit 0 Succeeded,
    1 Failed, 2 error or timeout). With --resource, only those resources: no hooks run,
    and only a named resource that left Git is pruned (with --prune)."""
    selectors = parse_selectors(resources)
    deadline = time.monotonic() + parse_duration(timeout, what="--timeout")
    before: Mapping[str, Any] = call_api(server, token, "GET", app_path(name)) if wait else {}
    if wait and (before.get("operation") or {}).get("phase") == OperationPhase.RUNNING:
        raise ApiError(f"another operation is already in progress on {name}")
    options: dict[str, Any] = {"prune": prune, "dryRun": dry_run}
    if revision:
        options["revision"] = revision
    if selectors:
        options["resources"] = [s.to_api() for s in selectors]
    call_api(server, token, "POST", app_path(name, "sync"), options)
    if not wait:
        click.echo(f"sync of {name} queued")
        return EXIT_SUCCEEDED
    click.echo(f"sync of {name} queued; waiting up to {timeout}")
    return finish(server, token, name, before, deadline)


@click.command("rollback")
@server_options
@click.option("--wait", is_flag=True, help="Follow the sync until it ends; exit 1 if it fails.")
@timeout_option
@click.argument("name")
@click.argument("history_id", metavar="ID", type=int)
def rollback_command(
    server: str, token: str | None, wait: bool, timeout: str, name: str, history_id: int
) -> int:
    """Sync NAME back to the revision of its history entry ID (see `app history`).
    Refused while automated sync is on, as in Argo CD."""
    deadline = time.monotonic() + parse_duration(timeout, what="--timeout")
    before = call_api(server, token, "GET", app_path(name))
    index = history_index(before, history_id)
    call_api(server, token, "POST", app_path(name, "rollback"), {"id": index})
    revision = str(before["history"][index].get("revision", ""))[:12]
    click.echo(f"rollback of {name} to {history_id} (revision {revision}) queued")
    return finish(server, token, name, before, deadline) if wait else EXIT_SUCCEEDED


@click.command("diff")
@server_options
@output_option((TABLE, JSON, YAML), default=TABLE)
@click.argument("name")
def diff_command(server: str, token: str | None, output: str, name: str) -> int:
    """The controller's diff of NAME against its live state (Secrets masked): exit 0 in
    sync, 1 different, 2 error."""
    items = call_api(server, token, "GET", app_path(name, "diff")).get("items") or []
    different = [i for i in items if i.get("diff_text")]
    if output in (JSON, YAML):
        click.echo(dump(different, output))
    else:
        for item in different:
            key = resource_name(str(item.get("kind")), item.get("namespace"), str(item["name"]))
            click.echo(f"===== {key} ======")
            click.echo(str(item["diff_text"]).rstrip("\n"))
    return EXIT_DIFFERENT if different else EXIT_IN_SYNC


@click.command("terminate-op")
@server_options
@click.argument("name")
def terminate_command(server: str, token: str | None, name: str) -> None:
    """End the running operation of NAME (running hooks are deleted)."""
    call_api(server, token, "POST", app_path(name, "terminate"))
    click.echo(f"operation of {name} terminating")


@click.command("refresh")
@server_options
@click.option("--hard", is_flag=True, help="Render again too, bypassing the render cache.")
@click.argument("name")
def refresh_command(server: str, token: str | None, hard: bool, name: str) -> None:
    """Fetch NAME's sources again and compare it with the cluster now."""
    call_api(server, token, "POST", app_path(name, "refresh"), {"hard": hard})
    click.echo(f"{'hard ' if hard else ''}refresh of {name} queued")


@click.command("set")
@server_options
@click.option("--suspend", "suspend", flag_value=True, default=None, help="Pause automated sync.")
@click.option("--resume", "suspend", flag_value=False, help="Resume automated sync.")
@click.argument("name")
def set_command(server: str, token: str | None, suspend: bool | None, name: str) -> None:
    """Pause (--suspend) or resume (--resume) NAME's automated sync, self-heal included;
    kept across restarts. Manual syncs run either way."""
    if suspend is None:
        raise click.UsageError("give --suspend or --resume")
    call_api(server, token, "POST", app_path(name, "suspend" if suspend else "resume"), {})
    click.echo(f"automated sync of {name} {'suspended' if suspend else 'resumed'}")


@click.command("manifests")
@server_options
@output_option((YAML, JSON), default=YAML)
@click.argument("name")
def manifests_command(server: str, token: str | None, output: str, name: str) -> None:
    """The objects NAME renders to, as the controller last compared them (Secret values
    masked)."""
    items = call_api(server, token, "GET", app_path(name, "manifests")).get("items") or []
    if output == JSON:
        click.echo(dump(items, JSON))
        return
    click.echo(yaml.safe_dump_all(items, sort_keys=False).rstrip("\n"))
