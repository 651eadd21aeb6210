"""`gitsync plan`: the order in which a sync would apply the manifests at PATH."""

from __future__ import annotations

import os.path
import time
from typing import Any

import click

from gitsync.cli.output import JSON, NAME, TABLE, YAML, emit, output_option
from gitsync.cli.sourceargs import load_manifests, source_options
from gitsync.errors import UserInputError
from gitsync.model.identity import IdentityError, check_application_name
from gitsync.model.manifest import Manifest
from gitsync.sync.plan import Plan, PlanSettings, build_plan
from gitsync.sync.task import Task


@click.command("plan")
@click.argument("path", required=False)
@source_options
@click.option(
    "--app-name",
    help="App name (default: PATH's basename; with --application, the one to pick).",
)
@click.option(
    "--dest-namespace",
    default="default",
    show_default=True,
    help="Namespace for namespaced objects that name none.",
)
@output_option((TABLE, JSON, YAML, NAME))
def plan_command(
    path: str,
    app_name: str | None,
    dest_namespace: str,
    output: str,
    **source: Any,
) -> None:
    """Print the sync plan of the manifests at PATH: phases, waves and task order.

    No cluster is contacted, so the plan has no prune tasks.
    """
    rendered = load_manifests(path, source.get("repo"), source.get("revision"))
    manifests = [
        m if isinstance(m, Manifest) else Manifest.from_object(m) for m in rendered.manifests
    ]
    settings = PlanSettings(
        app=app_name_for(app_name, path),
        revision=str(getattr(rendered, "revision", "") or ""),
        started_at=int(time.time()),
        dest_namespace=dest_namespace,
    )
    plan = build_plan(manifests, settings)
    emit(
        plan.summaries(),
        output,
        table=lambda _: format_plan_table(plan).rstrip("\n"),
        names=lambda: [str(task.key) for task in plan.tasks],
    )


def app_name_for(app_name: str | None, path: str) -> str:
    """--app-name, checked as Argo CD checks an Application's name; else PATH's name."""
    if not app_name:
        return default_app_name(path)
    try:
        check_application_name(app_name)
    except IdentityError as err:
        raise UserInputError(f"--app-name: {err}") from None
    return app_name


def default_app_name(path: str) -> str:
    """The app name a command uses when none is given: PATH's last component."""
    return os.path.basename(os.path.normpath(path)) or "app"


def _task_line(task: Task) -> str:
    kind = "hook" if task.hook else ("prune" if task.prune else "")
    policies = ",".join(task.policy_names)
    return f"  {task.key!s:<56} {kind:<5} {policies}".rstrip()


def format_plan_table(plan: Plan) -> str:
    """One block per (phase, wave), tasks in execution order."""
    if not plan.tasks:
        return "nothing to sync\n"
    lines: list[str] = []
    current: tuple[str, int] | None = None
    for task in plan.tasks:
        group = (str(task.phase), task.wave)
        if group != current:
            if current is not None:
                lines.append("")
            lines.append(f"{task.phase} wave {task.wave}")
            current = group
        lines.append(_task_line(task))
    return "\n".join(lines) + "\n"
