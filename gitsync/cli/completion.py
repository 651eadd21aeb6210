"""`gitsync completion bash|zsh|fish`: the shell completion script, to source or install."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash:  source <(gitsync completion bash)
    zsh:   gitsync completion zsh > "${fpath[1]}/_gitsync"
    fish:  gitsync completion fish > ~/.config/fish/completions/gitsync.fish
    """
    from gitsync.cli.main import cli

    completer = get_completion_class(shell)
    assert completer is not None  # every name in SHELLS is one click ships
    click.echo(completer(cli, {}, "gitsync", "_GITSYNC_COMPLETE").source())
