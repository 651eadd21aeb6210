"""`gitsync render PATH`: print the manifests an app source renders to."""

from __future__ import annotations

import json

import click
import yaml

from gitsync.cli.sourceargs import load_manifests, source_options
from gitsync.diff.mask import MASK_SAME, mask_secret


@click.command("render")
@click.argument("path", required=False)
@source_options
@click.option(
    "-o",
    "--output",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: one multi-document stream; json: one JSON array.",
)
@click.option(
    "--show-secrets",
    is_flag=True,
    help=f"Print Secret data and stringData values (masked as {MASK_SAME} by default).",
)
def render_command(
    path: str, repo: str | None, revision: str | None, output: str, show_secrets: bool
) -> None:
    """Render the manifests of PATH (relative to the repository root with --repo).

    Secret values are masked, as in `gitsync diff`, unless --show-secrets is given."""
    source = load_manifests(path, repo, revision)
    objects = [manifest.obj for manifest in source.manifests]
    if not show_secrets:
        objects = [mask_secret(obj) for obj in objects]
    if output == "json":
        click.echo(json.dumps(objects, indent=2))
    elif objects:
        click.echo(
            yaml.dump_all(objects, Dumper=yaml.CSafeDumper, sort_keys=False, explicit_start=True),
            nl=False,
        )
