"""`gitsync serve`: run the controller and its HTTP server until SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import click
import structlog

from gitsync.cli.limitargs import limit_options
from gitsync.cli.main import EXIT_ERROR
from gitsync.errors import GitsyncError

log = structlog.get_logger("gitsync.serve")


@click.command("serve")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings.")
@click.option("--repo", help="Root repository (URL or local directory).")
@click.option("--revision", help="Root revision (branch, tag, SHA; default HEAD).")
@click.option("--path", help="Directory of Applications/ApplicationSets in the root repo.")
@click.option("--kubeconfig", help="Kubeconfig of the local cluster (default: in-cluster).")
@click.option("--context", help="Kubeconfig context.")
@click.option("--namespace", help="Namespace for status, operations and the Lease.")
@click.option("--listen", help="HOST:PORT of the HTTP server (default 0.0.0.0:8080).")
@click.option("--poll-interval", help="How often to check Git (e.g. 3m, 30s).")
@click.option("--github-secret", help="GitHub webhook secret.")
@click.option("--gitlab-secret", help="GitLab webhook token.")
@click.option("--gitea-secret", help="Gitea/Gogs webhook secret.")
@click.option("--bitbucket-server-secret", help="Bitbucket Server webhook secret.")
@click.option("--bitbucket-uuid", help="Bitbucket Cloud webhook UUID.")
@click.option("--api-token", help="Bearer token the HTTP API requires.")
@click.option(
    "--ui-auth",
    type=click.Choice(["optional", "required"]),
    default=None,
    help="Whether the web UI's pages need a login (actions always do; default optional).",
)
@click.option(
    "--insecure-allow-anonymous-actions",
    is_flag=True,
    default=None,
    help="Without --api-token, let anyone who reaches the port sync apps.",
)
@click.option(
    "--allow-local-repos",
    multiple=True,
    metavar="DIR",
    help="A directory whose local repositories apps may use (repeatable).",
)
@click.option("--clusters", help="YAML file of destination clusters.")
@click.option("--concurrency", type=int, help="Apps reconciled at once (default 4).")
@click.option(
    "--kube-qps",
    "qps",
    type=float,
    help="Requests per second to each cluster's API server (default 50).",
)
@click.option(
    "--kube-burst",
    "burst",
    type=int,
    help="Requests allowed at once above --kube-qps (default 100).",
)
@click.option("--wave-delay", help="Pause between sync waves (default 2s).")
@click.option(
    "--preflight",
    type=click.Choice(["schema", "server"]),
    default=None,
    help="How writes are checked before a sync's first one: the cluster's schema where "
    "that finds what a server dry run would (default schema), or a dry run of each (server).",
)
@click.option("--cache-dir", help="Where Git mirrors live.")
@click.option("--leader-election/--no-leader-election", default=None, help="Lease election.")
@click.option(
    "--shards",
    type=int,
    help="Split the apps into N shards, each synced by the replica holding its Lease "
    "(default 1: one leader syncs everything).",
)
@click.option(
    "--identity",
    metavar="NAME",
    help="This replica's name in the Leases (default: the pod name, or host-pid).",
)
@click.option(
    "--shard-by",
    type=click.Choice(["app", "cluster"]),
    default=None,
    help="Hash apps into shards by name, or by destination cluster (default app).",
)
@click.option("--lease-duration", help="How long a Lease lasts unrenewed (default 15s).")
@click.option("--log-format", type=click.Choice(["json", "console"]), default=None)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="Least severe level logged (default info).",
)
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="ConfigManagementPlugin YAML (Argo CD CMP v2); repeatable.",
)
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False),
    help="Directory of ConfigManagementPlugin YAML files.",
)
@click.option("--plugin-timeout", help="How long each plugin command may run (default 90s).")
@click.option(
    "--generator-urls",
    help="Comma-separated URL prefixes the plugin and pullRequest generators may call.",
)
@click.option(
    "--new-git-file-globbing/--no-new-git-file-globbing",
    default=None,
    help="Match git files generator patterns with doublestar globbing.",
)
@click.option(
    "--health-lua",
    type=click.Path(file_okay=False),
    help="Lua health scripts in Argo CD's layout: DIR/<group>/<Kind>/health.lua.",
)
@click.option(
    "--argocd-cm",
    metavar="NAME",
    help="Argo CD style ConfigMap in --namespace with resource.customizations keys "
    "(health scripts, ignoreDifferences); watched for changes.",
)
@click.option(
    "--watch-namespaces",
    help="Comma-separated namespaces: cache, watch and manage only these (default: all).",
)
@limit_options
def serve_command(config_file: str | None, **flags: Any) -> None:
    """Run the GitOps controller: poll Git, reconcile and sync apps, serve webhooks/status."""
    from dataclasses import replace

    from gitsync import __version__, logs
    from gitsync.controller import Controller, load_config
    from gitsync.kube.transport import set_user_agent
    from gitsync.server import GitsyncApp, HttpServer, Metrics, ServerSettings

    try:
        config = load_config(config_file, flags)
    except GitsyncError as err:
        click.echo(f"error: {err}", err=True)
        raise SystemExit(EXIT_ERROR) from None
    config = replace(config, identity=config.replica_identity)  # decided once per process
    set_user_agent(f"gitsync-serve/{__version__} ({config.identity})")
    logs.configure(config.log_format, config.log_level)
    metrics = Metrics()
    try:
        controller = Controller(config, metrics)
    except GitsyncError as err:  # e.g. an invalid plugin file
        click.echo(f"error: {err}", err=True)
        raise SystemExit(EXIT_ERROR) from None
    app = GitsyncApp(controller, ServerSettings.from_config(config), metrics)
    server = HttpServer(config.listen, app)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    log.info("listening", url=server.url)
    controller.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        log.info("shutting down")
        server.stop()
        controller.stop()
