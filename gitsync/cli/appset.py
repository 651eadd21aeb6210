"""`gitsync appset generate FILE|DIR`: print the Applications ApplicationSets generate;
`gitsync appset status NAME`: their sync and RollingSync steps on a running controller."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import yaml

from gitsync.appset import (
    ClusterRecord,
    TreeProvider,
    clusters_from_documents,
    expand,
    load_documents,
    repo_tree_provider,
)
from gitsync.appset.context import GeneratorEnv
from gitsync.appset.resources import DocumentResources
from gitsync.cli.controllerapi import call_api, server_options
from gitsync.cli.limitargs import expansion_limit_options, limits_from_flags
from gitsync.cli.output import emit, format_table, output_option, use_colour
from gitsync.errors import AppSetError, UserInputError
from gitsync.model import Application
from gitsync.render.limits import DEFAULT_LIMITS, Limits
from gitsync.source import LocalTree, RepoCache


@click.group("appset")
def appset_group() -> None:
    """Work with Argo CD ApplicationSets."""


@appset_group.command("generate")
@click.argument("path")
@click.option(
    "--repo",
    default=None,
    help="Read every git generator from this URL or local directory instead of its repoURL.",
)
@click.option("--revision", default=None, help="Use this revision for every git generator.")
@click.option(
    "--clusters",
    "clusters_file",
    default=None,
    help="YAML list of clusters (name, server, labels, annotations, project) or Secrets.",
)
@click.option(
    "--resources",
    "resources_file",
    default=None,
    help="YAML ConfigMaps, Secrets and duck-typed resources for the plugin, pullRequest "
    "and clusterDecisionResource generators.",
)
@click.option(
    "--new-git-file-globbing",
    is_flag=True,
    help="Match git files patterns with doublestar globbing (Argo CD's opt-in), not Git's.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: one multi-document stream; json: one JSON array.",
)
@expansion_limit_options
def generate_command(
    path: str,
    repo: str | None,
    revision: str | None,
    clusters_file: str | None,
    resources_file: str | None,
    new_git_file_globbing: bool,
    output: str,
    **bounds: Any,
) -> None:
    """Expand the ApplicationSets in FILE or DIR (recursively); Applications found there
    are printed as they are, together with the generated ones, sorted by name."""
    limits = limits_from_flags(bounds)
    clusters = _load_clusters(clusters_file)
    env = GeneratorEnv(
        resources=_load_resources(resources_file),
        allowed_urls=None,  # the user's own run: any http(s) URL
        new_git_file_globbing=new_git_file_globbing,
    )
    cache = RepoCache()
    try:
        trees = repo_tree_provider(cache, repo_override=repo, revision_override=revision)
        result = applications_in(path, trees, clusters, env, limits)
    finally:
        cache.close()
    objects = [app.to_object() for app in result]
    if output == "json":
        click.echo(json.dumps(objects, indent=2))
    elif objects:
        click.echo(
            yaml.dump_all(objects, Dumper=yaml.CSafeDumper, sort_keys=False, explicit_start=True),
            nl=False,
        )


def applications_in(
    path: str,
    trees: TreeProvider,
    clusters: list[ClusterRecord],
    env: GeneratorEnv | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Application]:
    """The Applications of FILE or DIR: those written there and those its ApplicationSets
    generate, sorted by name; one name from two places is an error."""
    applications, appsets = _load(path, limits)
    generated = [
        (a, expand(a, trees=trees, clusters=clusters, env=env, limits=limits)) for a in appsets
    ]
    return _merge(applications, generated)


def _load(path: str, limits: Limits) -> tuple[list[Application], list[Any]]:
    target = Path(path)
    if target.is_file():
        return load_documents(LocalTree(target.parent), target.name, limits=limits)
    if target.is_dir():
        return load_documents(LocalTree(target), "", limits=limits)
    raise UserInputError(f"{path}: no such file or directory")


def _load_clusters(clusters_file: str | None) -> list[ClusterRecord]:
    if not clusters_file:
        return []
    items = _yaml_items(clusters_file, "--clusters")
    return clusters_from_documents(items, clusters_file)


def _load_resources(resources_file: str | None) -> DocumentResources | None:
    if not resources_file:
        return None
    items = _yaml_items(resources_file, "--resources")
    if not all(isinstance(item, dict) for item in items):
        raise UserInputError(f"--resources {resources_file}: every document must be an object")
    return DocumentResources(items, f"--resources {resources_file}")


def _yaml_items(path: str, flag: str) -> list[Any]:
    """The documents of a YAML file; a document that is a list gives its items."""
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            documents = [d for d in yaml.load_all(handle, Loader=yaml.CSafeLoader) if d is not None]
    except OSError as err:
        raise UserInputError(f"{flag} {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise UserInputError(f"{flag} {path}: invalid YAML: {' '.join(str(err).split())}") from None
    items: list[Any] = []
    for document in documents:
        items.extend(document if isinstance(document, list) else [document])
    return items


def _merge(
    applications: list[Application], generated: list[tuple[Any, list[Application]]]
) -> list[Application]:
    by_name: dict[str, tuple[Application, str]] = {}
    for app in applications:
        _add(by_name, app, app.location or "the input")
    for appset, apps in generated:
        for app in apps:
            _add(by_name, app, f"ApplicationSet {appset.name}")
    return [by_name[name][0] for name in sorted(by_name)]


def _add(by_name: dict[str, tuple[Application, str]], app: Application, origin: str) -> None:
    if app.name in by_name:
        raise AppSetError(
            f"Application {app.name!r} comes from both {by_name[app.name][1]} and {origin}"
        )
    by_name[app.name] = (app, origin)


@appset_group.command("status")
@server_options
@output_option()
@click.argument("name")
def status_command(server: str, token: str | None, output: str, name: str) -> None:
    """The Applications of ApplicationSet NAME on a running controller, with their
    RollingSync steps: the rollout's progress at a glance."""
    items = call_api(server, token, "GET", "/api/v1/applications").get("items", [])
    apps = [a for a in items if a.get("appset") == name]
    if not apps:
        raise UserInputError(f"no Applications of ApplicationSet {name!r} on {server}")

    def order(app: dict[str, Any]) -> tuple[int, str]:
        step = (app.get("rolling_sync") or {}).get("step")
        return (step if isinstance(step, int) else 1 << 30, str(app.get("name")))

    apps = sorted(apps, key=order)
    emit(apps, output, table=lambda _: _status_table(apps), names=lambda: [a["name"] for a in apps])


def _status_table(apps: list[dict[str, Any]]) -> str:
    rows = [["STEP", "NAME", "SYNC", "HEALTH", "STATUS", "MESSAGE"]]
    for app in apps:
        rolling = app.get("rolling_sync") or {}
        step = rolling.get("step")
        rows.append(
            [
                "-" if step is None else str(step),
                str(app.get("name", "")),
                str(app.get("sync_status", "")),
                str(app.get("health", "")),
                str(rolling.get("status", "")),
                str(rolling.get("message") or app.get("waiting_for") or ""),
            ]
        )
    return format_table(rows, colour=use_colour(), status_columns=(2, 3))
