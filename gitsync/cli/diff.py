"""`gitsync diff`: what a sync of one app would change, kubectl-diff style.

Exit 0 when in sync, 1 when there are differences, 2 on error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import click
import yaml

from gitsync.cli.healthargs import health_lua_option, use_health_lua
from gitsync.cli.main import EXIT_DIFFERENT_OR_FAILED, EXIT_OK
from gitsync.cli.plan import app_name_for
from gitsync.cli.sourceargs import current_application, load_manifests, source_options
from gitsync.diff import AppDiff, IgnoreDifferences
from gitsync.diff.live import LiveDiffer
from gitsync.errors import GitsyncError, KubeError, UnknownKindError, UserInputError
from gitsync.health import Health, aggregate
from gitsync.kube import FIELD_MANAGER, Cluster
from gitsync.model.enums import SyncStatus
from gitsync.model.identity import IdentityError, check_namespace
from gitsync.model.keys import ResourceKey
from gitsync.model.manifest import Manifest
from gitsync.sync.kubeport import KubePort
from gitsync.sync.store import OperationStore

_STATUS_ORDER = (
    SyncStatus.SYNCED,
    SyncStatus.OUT_OF_SYNC,
    SyncStatus.MISSING,
    SyncStatus.REQUIRES_PRUNING,
)
_HEADER_COLOUR = {
    SyncStatus.OUT_OF_SYNC: "yellow",
    SyncStatus.MISSING: "cyan",
    SyncStatus.REQUIRES_PRUNING: "magenta",
}


@click.command("diff")
@click.argument("path", required=False)
@source_options
@click.option("--kubeconfig", type=click.Path(dir_okay=False), help="Kubeconfig file.")
@click.option("--context", help="Kubeconfig context (default: the current one).")
@click.option(
    "--app-name",
    help="App name (default: PATH's basename; with --application, the one to pick).",
)
@click.option("--dest-namespace", help="Namespace for namespaced objects that do not name one.")
@click.option(
    "--ignore-differences",
    "ignore_file",
    type=click.Path(dir_okay=False),
    help="YAML list of rules in Argo CD's ignoreDifferences format.",
)
@health_lua_option
@click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def diff_command(
    path: str,
    kubeconfig: str | None,
    context: str | None,
    app_name: str | None,
    dest_namespace: str | None,
    ignore_file: str | None,
    health_lua: tuple[str, ...],
    output: str,
    **source: Any,
) -> None:
    """Show how the live cluster differs from the manifests at PATH, and the app's health.

    Exit status: 0 in sync, 1 differences found, 2 error.
    """
    use_health_lua(health_lua)
    app_spec = current_application()
    ignore = IgnoreDifferences.from_app_spec(
        [
            *(app_spec.ignore_differences if app_spec is not None else ()),
            *_load_ignore_differences(ignore_file),
        ]
    )
    rendered = load_manifests(path, source.get("repo"), source.get("revision"))
    objects = [m.obj for m in rendered.manifests]
    if not objects:
        raise UserInputError(f"{path}: no manifests found")
    app = app_name_for(app_name, path) if app_name else _default_app_name(path)
    if dest_namespace:
        _check_namespace(dest_namespace)

    with Cluster.from_kubeconfig(kubeconfig, context) as cluster:
        namespace = dest_namespace or cluster.default_namespace
        desired = [_with_namespace(cluster, obj, namespace) for obj in objects]
        refuse_duplicates(list(zip(rendered.manifests, desired, strict=True)))
        seen = _Recorded(cluster)
        differ = LiveDiffer(seen, field_manager=FIELD_MANAGER)
        result = differ.diff_app(
            app, desired, ignore=ignore, extra_kinds=_synced_kinds(cluster, app)
        )
    health = aggregate(
        (manifest, seen.lives.get(ResourceKey.of(obj)))
        for manifest, obj in zip(rendered.manifests, desired, strict=True)
    )

    if output == "json":
        as_json = result.to_json()
        as_json["health"] = {"status": health.status.value, "message": health.message}
        click.echo(json.dumps(as_json, indent=2))
    else:
        _print_text(app, result, health)
    sys.exit(EXIT_OK if result.in_sync else EXIT_DIFFERENT_OR_FAILED)


def _check_namespace(namespace: str) -> None:
    try:
        check_namespace(namespace, "--dest-namespace")
    except IdentityError as err:
        raise UserInputError(str(err)) from None


def refuse_duplicates(pairs: list[tuple[Manifest, dict[str, Any]]]) -> None:
    """Two documents for one object: plan and sync refuse them, and so does diff (hooks
    are not compared, as in the plan)."""
    seen: dict[ResourceKey, str] = {}
    for manifest, obj in pairs:
        if manifest.sync.is_hook:
            continue
        key = ResourceKey.of(obj)
        where = manifest.source or "no source"
        if key in seen:
            raise UserInputError(f"{key} is defined twice ({seen[key]} and {where})")
        seen[key] = where


class _Recorded:
    """The cluster as the differ sees it, keeping each live object it read (for health)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.lives: dict[ResourceKey, dict[str, Any]] = {}

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, field_manager: str = FIELD_MANAGER
    ) -> dict[str, Any]:
        return self.cluster.apply(obj, dry_run=dry_run, field_manager=field_manager)

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        found = self.cluster.get(api_version, kind, namespace, name)
        if found is not None:
            self.lives[ResourceKey.of(found)] = found
        return found

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        return self.cluster.list(
            api_version, kind, namespace=namespace, label_selector=label_selector
        )


def _default_app_name(path: str) -> str:
    # "apps/web/" -> "web"; "." -> the current directory's name.
    return PurePosixPath(path.rstrip("/")).name or Path(path).resolve().name or "app"


def _synced_kinds(cluster: Cluster, app: str) -> set[tuple[str, str]]:
    """Kinds the app's last sync applied (kept by the sync engine), to find leftovers."""
    try:
        return OperationStore(KubePort(cluster)).load(app)[1]
    except KubeError:
        return set()  # no store readable: the default kinds are still searched


def _load_ignore_differences(path: str | None) -> list[Any]:
    """The rules of an --ignore-differences file, checked; [] without one."""
    if path is None:
        return []
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise UserInputError(f"--ignore-differences {path}: {err.strerror}") from None
    try:
        rules = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UserInputError(f"--ignore-differences {path}{where}: not valid YAML") from None
    if isinstance(rules, dict) and "ignoreDifferences" in rules:
        rules = rules["ignoreDifferences"]  # an Application spec excerpt works too
    try:
        IgnoreDifferences.from_app_spec(rules or [])
    except GitsyncError as err:
        raise UserInputError(f"--ignore-differences {path}: {err}") from None
    return list(rules or [])


def _with_namespace(cluster: Cluster, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    if meta.get("namespace"):
        return obj
    try:
        namespaced = bool(cluster.resource_for(str(obj["apiVersion"]), str(obj["kind"])).namespaced)
    except UnknownKindError:
        namespaced = True  # e.g. a custom resource whose CRD is not installed yet
    if not namespaced:
        return obj
    return {**obj, "metadata": {**meta, "namespace": namespace}}


def _print_text(app: str, result: AppDiff, health: Health) -> None:
    for resource in result.resources:
        if resource.in_sync:
            continue
        header = f"===== {resource.key} ({resource.status}) ====="
        click.secho(header, fg=_HEADER_COLOUR.get(resource.status), bold=True)
        for line in resource.unified.splitlines():
            click.echo(_colour(line))
    counts = result.counts()
    parts = [f"{counts[s]} {s}" for s in _STATUS_ORDER if counts.get(s)]
    state = "in sync" if result.in_sync else "out of sync"
    total = len(result.resources)
    noun = "resource" if total == 1 else "resources"
    click.echo(f"app {app}: {state}, {total} {noun} ({', '.join(parts) or 'none'})")
    click.echo(f"health: {health}")


def _colour(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    if line.startswith("+"):
        return click.style(line, fg="green")
    if line.startswith("-"):
        return click.style(line, fg="red")
    if line.startswith("@@"):
        return click.style(line, fg="cyan")
    return line
