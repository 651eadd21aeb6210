"""The list of top-level commands. Add one import and one list entry per command module."""

from __future__ import annotations

import click


def all_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    # COMMANDS (one line each; keep sorted)
    from gitsync.cli.app import app_group

    commands.append(app_group)
    from gitsync.cli.appset import appset_group

    commands.append(appset_group)
    from gitsync.cli.completion import completion_command

    commands.append(completion_command)
    from gitsync.cli.demo import demo_command

    commands.append(demo_command)
    from gitsync.cli.diff import diff_command

    commands.append(diff_command)
    from gitsync.cli.devcluster import dev_cluster_command

    commands.append(dev_cluster_command)
    from gitsync.cli.health import health

    commands.append(health)
    from gitsync.cli.render import render_command

    commands.append(render_command)
    from gitsync.cli.plan import plan_command

    commands.append(plan_command)
    from gitsync.cli.rollout import rollout_group

    commands.append(rollout_group)
    from gitsync.cli.serve import serve_command

    commands.append(serve_command)
    from gitsync.cli.sync import sync_command

    commands.append(sync_command)
    from gitsync.cli.version import version_command

    commands.append(version_command)
    return commands
