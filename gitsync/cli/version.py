"""`gitsync version`: this build and the renderers it can use (embedded or on PATH)."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import shutil
import subprocess

import click

from gitsync import __version__

# (name shown, Python distribution embedding it, binary looked up on PATH)
_COMPONENTS = (
    ("helm", "helm-python-sdk", "helm"),
    ("kustomize", None, "kustomize"),
    ("jsonnet", "jsonnet", None),
    ("git", None, "git"),
    ("kubectl", None, "kubectl"),
)


def _binary_version(binary: str) -> str | None:
    path = shutil.which(binary)
    if path is None:
        return None
    flags = {"git": ["--version"], "kubectl": ["version", "--client"]}.get(binary, ["version"])
    try:
        done = subprocess.run(
            [path, *flags], capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return f"{path} (version unknown)"
    first = (done.stdout or done.stderr).strip().splitlines()
    return f"{first[0] if first else 'version unknown'} ({path})"


def components() -> dict[str, str]:
    """Every component with where it comes from, or "not available"."""
    found: dict[str, str] = {
        "gitsync": __version__,
        "python": platform.python_version(),
    }
    for name, distribution, binary in _COMPONENTS:
        shown = None
        if distribution is not None:
            try:
                shown = f"embedded ({distribution} {importlib.metadata.version(distribution)})"
            except importlib.metadata.PackageNotFoundError:
                shown = None
        if shown is None and binary is not None:
            shown = _binary_version(binary)
        found[name] = shown or "not available"
    return found


@click.command("version")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def version_command(output: str) -> None:
    """Print gitsync's version and the renderers it can use."""
    found = components()
    if output == "json":
        click.echo(json.dumps(found, indent=2))
        return
    width = max(len(name) for name in found)
    for name, value in found.items():
        click.echo(f"{name:<{width}}  {value}")
