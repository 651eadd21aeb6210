"""`gitsync sync`: apply the manifests at PATH in Argo CD's order, waiting on health.

Exit status: 0 Succeeded, 1 Failed, 2 error. Safe to interrupt: running it again with
the same revision resumes the operation stored in the cluster.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from click.core import ParameterSource

from gitsync.cli.healthargs import health_lua_option, use_health_lua
from gitsync.cli.main import EXIT_DIFFERENT_OR_FAILED, EXIT_ERROR, EXIT_OK
from gitsync.cli.plan import app_name_for
from gitsync.cli.sourceargs import (
    check_sync_window,
    current_application,
    load_manifests,
    source_options,
)
from gitsync.controller.settings import retry_policy
from gitsync.diff import IgnoreDifferences
from gitsync.durations import parse_duration
from gitsync.errors import UserInputError
from gitsync.model.annotations import SyncOptions
from gitsync.model.enums import OperationPhase
from gitsync.model.optioncheck import UnknownOption, check_options
from gitsync.sync.kubeport import KubePort
from gitsync.sync.preflightpolicy import PreflightMode
from gitsync.sync.report import PlainView, RichView, SyncView, summary_lines
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.schemapreflight import one_shot_source
from gitsync.sync.selection import parse_selectors
from gitsync.sync.settings import RetryPolicy, SyncSettings
from gitsync.sync.store import DEFAULT_NAMESPACE, OperationStore


@click.command("sync")
@click.argument("path", required=False)
@source_options
@click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file.")
@click.option("--context", help="Kubeconfig context (default: the current one).")
@click.option(
    "--app-name",
    help="App name (default: PATH's basename; with --application, the one to pick).",
)
@click.option(
    "--dest-namespace",
    default="default",
    show_default=True,
    help="Namespace for namespaced objects that do not name one.",
)
@click.option("--prune", is_flag=True, help="Delete this app's objects that left Git.")
@click.option("--allow-empty", is_flag=True, help="Let --prune delete every object of the app.")
@click.option("--dry-run", is_flag=True, help="Validate every write with dry-run; change nothing.")
@click.option(
    "--sync-option",
    "sync_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="App-level sync option (e.g. CreateNamespace=true); repeatable.",
)
@click.option(
    "--resource",
    "resources",
    multiple=True,
    metavar="KIND/NS/NAME",
    help="Sync only this resource (KIND/NAME when cluster-scoped, GROUP/KIND/NS/NAME to name "
    "the group); no hooks run, nothing else is pruned. Repeatable.",
)
@click.option("--retry-limit", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--retry-backoff", default="5s", show_default=True, help="First retry delay.")
@click.option(
    "--preflight-retries",
    type=click.IntRange(min=0, max=10),
    default=4,
    show_default=True,
    help="Runs of the dry-run pre-flight again after transient API errors (1s, 2s, 4s, 8s apart).",
)
@click.option(
    "--preflight",
    "preflight_mode",
    type=click.Choice([m.value for m in PreflightMode]),
    default=PreflightMode.SERVER.value,
    show_default=True,
    help="How writes are checked before the first one: a server dry run of each (server), "
    "or the cluster's schema where that finds what a dry run would (schema; "
    "see docs/preflight.md).",
)
@click.option("--timeout", default="10m", show_default=True, help="Give up after this long.")
@click.option("--wave-delay", default="2s", show_default=True, help="Pause between waves.")
@click.option(
    "--state-namespace",
    default=DEFAULT_NAMESPACE,
    show_default=True,
    help="Namespace of the ConfigMap that keeps the operation state.",
)
@click.option(
    "--qps",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    help="Client-side limit of API requests per second (0: no limit).",
)
@click.option(
    "--burst",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="Requests allowed at once above --qps (kubectl's default).",
)
@health_lua_option
@click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def sync_command(
    path: str,
    kubeconfig: str | None,
    context: str | None,
    app_name: str | None,
    dest_namespace: str,
    prune: bool,
    allow_empty: bool,
    dry_run: bool,
    sync_options: tuple[str, ...],
    resources: tuple[str, ...],
    retry_limit: int,
    retry_backoff: str,
    preflight_retries: int,
    preflight_mode: str,
    timeout: str,
    wave_delay: str,
    state_namespace: str,
    qps: float,
    burst: int,
    health_lua: tuple[str, ...],
    output: str,
    **source: Any,
) -> None:
    """Sync the manifests at PATH to the cluster: hooks, waves, health, prune."""
    use_health_lua(health_lua)
    selectors = parse_selectors(resources)
    timeout_s = parse_duration(timeout, what="--timeout")
    retry = RetryPolicy(
        limit=retry_limit, duration=parse_duration(retry_backoff, what="--retry-backoff")
    )
    app = current_application()
    ignore = IgnoreDifferences()
    if app is not None:
        # the Application's sync options and retry apply; flags given on the command line win
        sync_options = (*app.sync_policy.sync_options, *sync_options)
        if _defaulted("retry_limit") and _defaulted("retry_backoff"):
            retry = retry_policy(app, automated=False)
        ignore = IgnoreDifferences.from_app_spec(list(app.ignore_differences))
    settings = SyncSettings(
        prune=prune,
        dry_run=dry_run,
        allow_empty=allow_empty,
        wave_delay=parse_duration(wave_delay, what="--wave-delay"),
        retry=retry,
        ignore_differences=ignore,
        preflight_retries=preflight_retries,
    )
    try:
        check_options(sync_options, what="--sync-option")
    except UnknownOption as err:
        raise UserInputError(str(err)) from None
    rendered = load_manifests(path, source.get("repo"), source.get("revision"))
    if not dry_run:
        check_sync_window()
    request = SyncRequest(
        app=app_name_for(app_name, path),
        manifests=list(rendered.manifests),
        revision=str(getattr(rendered, "revision", "") or ""),
        dest_namespace=dest_namespace,
        sync_options=SyncOptions.parse(list(sync_options)),
        settings=settings,
        resources=selectors,
    )
    port = KubePort.from_kubeconfig(kubeconfig, context, qps=qps, burst=burst)
    preflight = one_shot_source(port.cluster, PreflightMode(preflight_mode))
    runner = SyncRunner(port, OperationStore(port, state_namespace), preflight=preflight)
    view: SyncView
    if output == "json":
        view = SyncView()
    elif sys.stdout.isatty():
        view = RichView(request.app)
    else:
        view = PlainView()
    with view:
        state = runner.run(request, timeout=timeout_s, on_event=view.on_event)
    if output == "json":
        click.echo(json.dumps(state.public(), indent=2))
    else:
        for line in summary_lines(state):
            click.echo(line)
    phase = state.phase
    if phase is OperationPhase.SUCCEEDED:
        sys.exit(EXIT_OK)
    if phase is OperationPhase.FAILED:
        sys.exit(EXIT_DIFFERENT_OR_FAILED)
    click.echo(f"error: {state.message}", err=True)
    sys.exit(EXIT_ERROR)


def _defaulted(parameter: str) -> bool:
    source = click.get_current_context().get_parameter_source(parameter)
    return source in (None, ParameterSource.DEFAULT)
