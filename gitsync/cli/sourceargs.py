"""Shared by `render`, `plan`, `diff` and `sync`: PATH + --repo + --revision -> manifests.

    @click.command()
    @click.argument("path")
    @source_options
    def plan(path: str, repo: str | None, revision: str | None) -> None:
        source = load_manifests(path, repo, revision)

`source_options` adds ``--repo`` and ``--revision`` as parameters of the command, plus
directory and Helm flags that it keeps to itself (they reach `load_manifests` through the
click context), so commands only ever see `repo` and `revision`.
"""

from __future__ import annotations

import atexit
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import git
from click.core import ParameterSource

from gitsync.cli.appfile import load_application, render_options
from gitsync.cli.limitargs import limit_options, limits_from_flags
from gitsync.durations import parse_duration
from gitsync.errors import SourceError, UserInputError
from gitsync.model import Application, Manifest
from gitsync.project import AppProject, ProjectError, decide
from gitsync.project.enforce import check_application, check_objects, project_of
from gitsync.project.load import load_project_file
from gitsync.render import (
    BuildContext,
    DirectoryOptions,
    HelmOptions,
    HelmParameter,
    PluginLimits,
    Renderer,
    RenderOptions,
    load_plugins,
)
from gitsync.render.helmdeps import ChartDependencies
from gitsync.render.limits import DEFAULT_LIMITS, Limits
from gitsync.source import HelmRepoCache, LocalTree, RepoCache, helm_credentials_from_env
from gitsync.sync.kinds import builtin_scope

F = TypeVar("F", bound=Callable[..., Any])
_META_KEY = "gitsync.render_options"
_APP_KEY = "gitsync.application"
_LIMITS_KEY = "gitsync.limits"
_PROJECT_KEY = "gitsync.project"
_RENDERER_KEY = "gitsync.renderer"
_NAMES_KEY = "gitsync.app_names"  # (--app-name or PATH's basename, --dest-namespace)
_EXTRA_FLAGS = ("recurse", "include", "exclude", "helm_set", "helm_values", "release_name")


@dataclass(frozen=True)
class RenderedSource:
    """What a CLI command rendered: the manifests, the revision and where they came from."""

    manifests: list[Manifest] = field(default_factory=list)
    revision: str = "local"  # the commit SHA, or "local" for a directory on disk
    repo: str | None = None
    path: str = ""


def source_options(func: F) -> F:
    """Add --repo, --revision and the render flags to a click command."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        extras = {name: kwargs.pop(name) for name in _EXTRA_FLAGS}
        application = kwargs.pop("application")
        project_file = kwargs.pop("project")
        context = click.get_current_context()
        context.meta[_LIMITS_KEY] = limits_from_flags(kwargs)
        context.meta[_RENDERER_KEY] = _renderer_with_plugins(
            kwargs.pop("plugin"), kwargs.pop("plugin_timeout"), context.meta[_LIMITS_KEY]
        )
        if project_file and not application:
            raise UserInputError("--project goes with --application (the app names its project)")
        if application:
            _from_application(context, application, extras, kwargs)
            if project_file:
                _check_project(context, project_file)
        else:
            if not kwargs.get("path"):
                raise UserInputError("give PATH, or --application FILE")
            context.meta[_META_KEY] = _options_from_flags(**extras)
        path = kwargs.get("path") or ""
        default_name = os.path.basename(os.path.normpath(path)) if path else ""
        context.meta[_NAMES_KEY] = (
            kwargs.get("app_name") or default_name,
            kwargs.get("dest_namespace") or "",
        )
        return func(*args, **kwargs)

    decorators = [
        click.option(
            "--application",
            type=click.Path(dir_okay=False),
            help="Argo CD Application (or ApplicationSet) YAML to take the source, "
            "destination namespace and sync policy from, instead of PATH.",
        ),
        click.option(
            "--project",
            type=click.Path(dir_okay=True),
            help="AppProject YAML (file or directory) whose rules the --application must "
            "follow: sources, destinations, resource kinds, sync windows.",
        ),
        click.option("--repo", default=None, help="Git repository URL or local clone."),
        click.option("--revision", default=None, help="Branch, tag, SHA or HEAD (default: HEAD)."),
        click.option("--recurse", is_flag=True, help="Read subdirectories too."),
        click.option("--include", default="", help="Glob of files to read, e.g. '*.yaml'."),
        click.option("--exclude", default="", help="Glob of files to skip."),
        click.option(
            "--helm-set", multiple=True, metavar="NAME=VALUE", help="Helm --set parameter."
        ),
        click.option(
            "--helm-values", multiple=True, metavar="FILE", help="Helm values file in the repo."
        ),
        click.option("--release-name", default="", help="Helm release name."),
        # Config management plugins: configuration, so allowed with --application too.
        click.option(
            "--plugin",
            multiple=True,
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="ConfigManagementPlugin YAML (Argo CD CMP v2); repeatable.",
        ),
        click.option(
            "--plugin-timeout",
            default="90s",
            show_default=True,
            help="How long each plugin command may run (e.g. 90s, 5m).",
        ),
    ]
    decorated: Callable[..., Any] = limit_options(wrapper)
    for decorator in reversed(decorators):
        decorated = decorator(decorated)
    return decorated  # type: ignore[return-value]


def current_application() -> Application | None:
    """The Application given with --application, for the command's own settings."""
    context = click.get_current_context(silent=True)
    found = context.meta.get(_APP_KEY) if context is not None else None
    return found if isinstance(found, Application) else None


def current_project() -> AppProject | None:
    """The AppProject the --application belongs to, when --project was given."""
    context = click.get_current_context(silent=True)
    found = context.meta.get(_PROJECT_KEY) if context is not None else None
    return found if isinstance(found, AppProject) else None


def _check_project(context: click.Context, file: str) -> None:
    app = context.meta[_APP_KEY]
    project = project_of(app, load_project_file(file))
    check_application(app, project)
    context.meta[_PROJECT_KEY] = project


def check_sync_window(now: datetime | None = None) -> None:
    """Refuse a sync that the project's sync windows do not allow now (a manual sync)."""
    app, project = current_application(), current_project()
    if app is None or project is None:
        return
    decision = decide(
        project,
        app=app.name,
        namespace=app.destination.namespace,
        server=app.destination.server,
        cluster=app.destination.name,
        manual=True,
        now=now or datetime.now(UTC),
    )
    if not decision.allowed:
        until = f" until {decision.until.isoformat()}" if decision.until else ""
        raise ProjectError(f"sync blocked by project {project.name!r}: {decision.reason}{until}")


def _from_application(
    context: click.Context, file: str, extras: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    """Fill PATH, --repo, --revision, --app-name and --dest-namespace from the app; the
    render options are the app's own, so render flags would contradict them."""
    if kwargs.get("path"):
        raise UserInputError("give PATH or --application, not both")
    given = [f"--{name.replace('_', '-')}" for name, value in extras.items() if value]
    if given:
        raise UserInputError(
            f"{', '.join(given)}: with --application the render options come from its source"
        )
    app = load_application(file, kwargs.get("app_name"), _repo_cache(), current_limits())
    context.meta[_META_KEY] = render_options(app)
    context.meta[_APP_KEY] = app
    kwargs["path"] = app.source.path
    kwargs["repo"] = kwargs.get("repo") or app.source.repo_url
    kwargs["revision"] = kwargs.get("revision") or app.source.key.revision
    if "app_name" in kwargs:
        kwargs["app_name"] = app.name
    namespace_source = context.get_parameter_source("dest_namespace")
    if "dest_namespace" in kwargs and namespace_source in (None, ParameterSource.DEFAULT):
        kwargs["dest_namespace"] = app.destination.namespace or kwargs["dest_namespace"]


def _options_from_flags(
    recurse: bool,
    include: str,
    exclude: str,
    helm_set: tuple[str, ...],
    helm_values: tuple[str, ...],
    release_name: str,
) -> RenderOptions:
    parameters: list[HelmParameter] = []
    for item in helm_set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UserInputError(f"--helm-set expects NAME=VALUE, got {item!r}")
        parameters.append(HelmParameter(name, value))
    return RenderOptions(
        directory=DirectoryOptions(recurse=recurse, include=include, exclude=exclude),
        helm=HelmOptions(
            release_name=release_name,
            value_files=tuple(helm_values),
            parameters=tuple(parameters),
        ),
    )


def current_limits() -> Limits:
    """The bounds given with --max-manifest-bytes and the other limit flags."""
    context = click.get_current_context(silent=True)
    found = context.meta.get(_LIMITS_KEY) if context is not None else None
    return found if isinstance(found, Limits) else DEFAULT_LIMITS


def _renderer_with_plugins(files: tuple[str, ...], timeout_text: str, limits: Limits) -> Renderer:
    timeout = parse_duration(timeout_text, what="--plugin-timeout")
    if timeout <= 0:
        raise UserInputError("--plugin-timeout must be positive")
    return Renderer(
        plugins=load_plugins(files),
        plugin_limits=PluginLimits(timeout=timeout),
        dependencies=ChartDependencies(None, helm_credentials_from_env()),
        limits=limits,
    )


def _renderer() -> Renderer:
    context = click.get_current_context(silent=True)
    found = context.meta.get(_RENDERER_KEY) if context is not None else None
    return found if isinstance(found, Renderer) else _default_renderer()


@functools.cache
def _default_renderer() -> Renderer:
    return Renderer(dependencies=ChartDependencies(None, helm_credentials_from_env()))


def _build_context(repo: str | None, revision: str | None) -> BuildContext:
    """What a plugin learns of the app: from --application, else from the flags."""
    app = current_application()
    if app is None:
        context = click.get_current_context(silent=True)
        names = context.meta.get(_NAMES_KEY) if context is not None else None
        app_name, namespace = names if isinstance(names, tuple) else ("", "")
        return BuildContext(
            app_name=app_name,
            app_namespace=namespace,
            repo_url=repo or "",
            target_revision=revision or "HEAD",
        )
    return BuildContext(
        app_name=app.name,
        app_namespace=app.destination.namespace,
        project=app.project,
        repo_url=app.source.repo_url,
        target_revision=app.source.target_revision,
    )


@functools.cache
def _repo_cache() -> RepoCache:
    return RepoCache()


def load_manifests(
    path: str, repo: str | None, revision: str | None, options: RenderOptions | None = None
) -> RenderedSource:
    """Render PATH: in `repo` at `revision` when a repository is given (or a revision is
    asked of a PATH inside a Git work tree), else the local directory as it is on disk.
    With --project, every object must be of a kind and namespace the project permits."""
    rendered = _load_manifests(path, repo, revision, options)
    app, project = current_application(), current_project()
    if app is not None and project is not None:
        check_objects(app, project, [m.obj for m in rendered.manifests], _builtin_scope)
    return rendered


def _builtin_scope(obj: Mapping[str, Any]) -> bool | None:
    group, _, _version = str(obj.get("apiVersion") or "").rpartition("/")
    return builtin_scope(group, str(obj.get("kind") or ""))


def _load_manifests(
    path: str, repo: str | None, revision: str | None, options: RenderOptions | None
) -> RenderedSource:
    opts = options or _context_options()
    app = current_application()
    if app is not None and app.source.chart:
        return _from_chart_repo(repo or app.source.repo_url, app.source.chart, revision, opts)
    if repo:
        return _from_repo(repo, path, revision, opts)
    local = Path(path)
    if not local.is_dir():
        raise SourceError(f"{path} is not a directory")
    top = _work_tree_top(local)
    if revision:
        if top is None:
            raise UserInputError("--revision needs --repo, or a PATH inside a Git work tree")
        return _from_repo(str(top), _relative(local, top), revision, opts)
    root = top or Path(os.path.realpath(local))
    relative = _relative(local, root)
    manifests = _renderer().render(
        LocalTree(root), relative, opts, context=_build_context(None, None)
    )
    return RenderedSource(manifests=manifests, revision="local", repo=None, path=relative)


def _from_repo(repo: str, path: str, revision: str | None, opts: RenderOptions) -> RenderedSource:
    cache = _repo_cache()
    sha = cache.resolve(repo, revision or "HEAD")
    tree = cache.tree(repo, sha)
    manifests = _renderer().render(tree, path, opts, context=_build_context(repo, revision))
    return RenderedSource(manifests=manifests, revision=sha, repo=repo, path=path)


def _from_chart_repo(
    repo: str, chart: str, constraint: str | None, opts: RenderOptions
) -> RenderedSource:
    charts = _chart_cache()
    credentials = helm_credentials_from_env()
    version = charts.resolve(repo, chart, constraint or "*", credentials)
    tree = charts.tree(repo, chart, version, credentials)
    key = ("helm-repository", repo, chart, version)
    manifests = _renderer().render(
        tree, "", opts, cache_key=key, context=_build_context(repo, constraint)
    )
    return RenderedSource(manifests=manifests, revision=version, repo=repo, path="")


@functools.cache
def _chart_cache() -> HelmRepoCache:
    cache = HelmRepoCache()
    atexit.register(cache.close)  # its downloads live in a temp dir
    return cache


def _context_options() -> RenderOptions:
    context = click.get_current_context(silent=True)
    found = context.meta.get(_META_KEY) if context is not None else None
    return found if isinstance(found, RenderOptions) else RenderOptions()


def _work_tree_top(directory: Path) -> Path | None:
    try:
        found = git.Repo(directory, search_parent_directories=True).working_tree_dir
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    return Path(os.path.realpath(found)) if found else None


def _relative(path: Path, root: Path) -> str:
    relative = os.path.relpath(os.path.realpath(path), root)
    return "" if relative == "." else relative.replace(os.sep, "/")
