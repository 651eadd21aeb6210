"""`gitsync demo`: the controller on an example mono-repo and two embedded clusters, with
app waves, hooks and a gated blue-green Rollout."""

from __future__ import annotations

import os
import sys

import click

from gitsync.demo import DemoOptions, run_demo
from gitsync.errors import GitsyncError


@click.command("demo")
@click.option(
    "--keep", is_flag=True, help="Keep the clusters and the controller running until Ctrl-C."
)
@click.option("--no-color", is_flag=True, help="Plain text, even on a terminal.")
def demo_command(keep: bool, no_color: bool) -> None:
    """Run the controller on an example mono-repo and two embedded clusters, and show
    every step."""
    color = sys.stdout.isatty() and not no_color and not os.environ.get("NO_COLOR")
    try:
        status = run_demo(DemoOptions(color=color, keep=keep))
    except OSError as err:
        # e.g. no free port or an unwritable temp dir: say so in one line
        raise GitsyncError(f"the demo could not run: {err.strerror or err}") from None
    sys.exit(status)
