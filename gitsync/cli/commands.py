"""The top-level commands, by name. A command's module is imported only when that command
runs (or when a listing such as ``--help`` needs them all), so each command starts with
the imports it needs and no others: `gitsync health` does not load the controller, the
Kubernetes client or the HTTP server. Add one line per command module; keep them sorted."""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute of the click command in it)
COMMANDS: dict[str, tuple[str, str]] = {
    "app": ("gitsync.cli.app", "app_group"),
    "appset": ("gitsync.cli.appset", "appset_group"),
    "completion": ("gitsync.cli.completion", "completion_command"),
    "demo": ("gitsync.cli.demo", "demo_command"),
    "dev-cluster": ("gitsync.cli.devcluster", "dev_cluster_command"),
    "diff": ("gitsync.cli.diff", "diff_command"),
    "health": ("gitsync.cli.health", "health"),
    "plan": ("gitsync.cli.plan", "plan_command"),
    "render": ("gitsync.cli.render", "render_command"),
    "rollout": ("gitsync.cli.rollout", "rollout_group"),
    "serve": ("gitsync.cli.serve", "serve_command"),
    "sync": ("gitsync.cli.sync", "sync_command"),
    "version": ("gitsync.cli.version", "version_command"),
}


def load_command(name: str) -> click.Command | None:
    """The command called `name`, its module imported now; None for an unknown name."""
    where = COMMANDS.get(name)
    if where is None:
        return None
    command = getattr(importlib.import_module(where[0]), where[1])
    if not isinstance(command, click.Command) or command.name != name:
        raise TypeError(f"{where[0]}.{where[1]} is not the click command {name!r}")
    return command
