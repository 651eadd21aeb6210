"""Entry point of the `gitsync` command: one click group, errors printed as one line."""

from __future__ import annotations

import sys
from typing import Any

import click

from gitsync import __version__
from gitsync.cli import commands
from gitsync.errors import GitsyncError

# Exit codes shared by every command (kubectl diff convention where it applies).
EXIT_OK = 0
EXIT_DIFFERENT_OR_FAILED = 1
EXIT_ERROR = 2


class GitsyncGroup(click.Group):
    """Turns every GitsyncError into ``error: <one line>`` on stderr and exit code 2, and
    loads each command (`gitsync.cli.commands`) only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(commands.COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return commands.load_command(cmd_name)

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


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Usage errors are one ``error:`` line and exit 2, like every other error;
    click's three-line usage block is for ``--help`` only."""
    try:
        result = cli.main(args=argv, prog_name="gitsync", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as err:
        err.show()  # a group alone: its help is the answer
        sys.exit(EXIT_ERROR)
    except click.UsageError as err:
        hint = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
        click.echo(f"error: {_one_line(err.format_message())}{hint}", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as err:
        click.echo(f"error: {_one_line(err.format_message())}", err=True)
        sys.exit(EXIT_ERROR)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) and not isinstance(result, bool) else EXIT_OK)


def _one_line(message: str) -> str:
    return " ".join(message.split())
