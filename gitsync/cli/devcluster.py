"""`gitsync dev-cluster`: serve the embedded API server until interrupted."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from gitsync.cli.main import EXIT_ERROR, EXIT_OK


@click.command("dev-cluster")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port (default: any free one)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--kubeconfig",
    "kubeconfig",
    type=click.Path(dir_okay=False),
    default="gitsync-dev.kubeconfig",
    show_default=True,
    help="Where to write a kubeconfig for this cluster.",
)
@click.option("--context", default="gitsync-dev", show_default=True, help="Context name.")
@click.option("--no-controllers", is_flag=True, help="Do not simulate controllers.")
@click.option(
    "--ready-delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds before workloads become ready.",
)
@click.option(
    "--no-argo-rollouts",
    is_flag=True,
    help="Do not install the Argo Rollouts CRDs (Rollout, AnalysisRun, ...).",
)
@click.option(
    "--state",
    "state",
    type=click.Path(dir_okay=False),
    help="Keep the cluster's objects in this JSON file across restarts.",
)
def dev_cluster_command(
    port: int,
    host: str,
    kubeconfig: str,
    context: str,
    no_controllers: bool,
    ready_delay: float,
    no_argo_rollouts: bool,
    state: str | None,
) -> None:
    """Run a local Kubernetes API server emulator until Ctrl-C."""
    from gitsync.sim import SimCluster

    sim = SimCluster(
        controllers=not no_controllers,
        ready_delay=ready_delay,
        port=port,
        host=host,
        state_file=Path(state) if state else None,
    )
    try:
        sim.start()
    except OSError as err:
        click.echo(f"error: cannot listen on {host}:{port}: {err.strerror or err}", err=True)
        sys.exit(EXIT_ERROR)
    if not no_argo_rollouts:
        # Rollouts are half of what gitsync is for; a dev cluster should accept them.
        sim.install_argo_rollouts_crds()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        path = sim.write_kubeconfig(kubeconfig, context=context).resolve()
        click.echo(f"gitsync dev-cluster listening on {sim.url}; export KUBECONFIG={path}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
    sys.exit(EXIT_OK)
