"""Entry point of the `gitsync` command: one click group, errors printed as one line."""

from __future__ import annotations

import sys
from typing import Any

import click

from gitsync import __version__
from gitsync.errors import GitsyncError

# Exit codes shared by every command (kubectl diff convention where it applies).
EXIT_OK = 0
EXIT_DIFFERENT_OR_FAILED = 1
EXIT_ERROR = 2


class GitsyncGroup(click.Group):
    """Turns every GitsyncError into ``error: <one line>`` on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GitsyncError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=GitsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitsync")
def cli() -> None:
    """gitsync: sync Kubernetes clusters from Git, the way Argo CD does, in one process."""


def _register() -> None:
    # Each command lives in its own module under gitsync.cli and is added here.
    from gitsync.cli import commands

    for command in commands.all_commands():
        cli.add_command(command)


def main() -> None:
    _register()
    cli(prog_name="gitsync")
