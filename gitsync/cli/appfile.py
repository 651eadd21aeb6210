"""`--application FILE`: an Argo CD Application as the source of `render`, `plan`,
`diff` and `sync`, so CI runs against the YAML the controller would read.

FILE holds Applications and/or ApplicationSets (expanded like `gitsync appset
generate`, with no registered clusters); `--app-name` picks one when there are several.
"""

from __future__ import annotations

from pathlib import Path

from gitsync.appset import repo_tree_provider
from gitsync.cli.appset import applications_in
from gitsync.errors import UserInputError
from gitsync.model import Application
from gitsync.render import RenderOptions
from gitsync.render.limits import DEFAULT_LIMITS, Limits
from gitsync.source import RepoCache


def load_application(
    file: str, name: str | None, repos: RepoCache, limits: Limits = DEFAULT_LIMITS
) -> Application:
    """The one Application of FILE (or the one called `name`); UserInputError otherwise."""
    if not Path(file).is_file():
        raise UserInputError(f"--application {file}: no such file")
    found = applications_in(file, repo_tree_provider(repos), [], limits=limits)
    if not found:
        raise UserInputError(f"--application {file}: no Application or ApplicationSet in it")
    names = [a.name for a in found]  # sorted by applications_in
    if name:
        picked = [a for a in found if a.name == name]
        if not picked:
            raise UserInputError(
                f"--application {file}: no Application {name!r} (found: {', '.join(names)})"
            )
        return picked[0]
    if len(found) > 1:
        raise UserInputError(
            f"--application {file}: {len(found)} Applications ({', '.join(names)}); "
            "pick one with --app-name"
        )
    return found[0]


def render_options(app: Application) -> RenderOptions:
    """The app's directory / Helm / Kustomize options, as the controller renders it."""
    unsupported = app.unsupported_source()
    if unsupported:
        raise UserInputError(f"Application {app.name}: {unsupported}")
    if len(app.sources) > 1:
        raise UserInputError(
            f"Application {app.name} has several sources (spec.sources): the CLI renders "
            "one source; `gitsync serve` renders them all"
        )
    return RenderOptions.from_source(
        dict(app.source.raw),
        app_name=app.name,
        namespace=app.destination.namespace or "default",
    )
