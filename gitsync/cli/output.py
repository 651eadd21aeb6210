"""The output convention every command shares: ``-o table|wide|json|yaml|name``, upper-case
column headers, colour only on a terminal (never with ``NO_COLOR``), and resource names
as ``Kind/namespace/name`` (cluster-scoped: ``Kind/name``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

import click
import yaml

TABLE = "table"
WIDE = "wide"
JSON = "json"
YAML = "yaml"
NAME = "name"
ALL_FORMATS = (TABLE, WIDE, JSON, YAML, NAME)

F = TypeVar("F", bound=Callable[..., Any])

# Status words and their colours; anything else prints plain.
_COLOURS = {
    "Synced": "green",
    "Healthy": "green",
    "Succeeded": "green",
    "OutOfSync": "yellow",
    "Progressing": "cyan",
    "Running": "cyan",
    "Suspended": "blue",
    "Missing": "yellow",
    "Degraded": "red",
    "Failed": "red",
    "Error": "red",
    "SyncFailed": "red",
}


def output_option(formats: Sequence[str] = ALL_FORMATS, default: str = TABLE) -> Callable[[F], F]:
    """The ``-o/--output`` option, with the formats that make sense for the command."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(list(formats)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def resource_name(kind: str, namespace: str | None, name: str) -> str:
    """``Kind/namespace/name``, or ``Kind/name`` for a cluster-scoped object."""
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def use_colour(stream: IO[str] | None = None) -> bool:
    """Colour only for a person at a terminal who has not asked for none."""
    if "NO_COLOR" in os.environ:
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def colour_status(word: str, colour: bool) -> str:
    shade = _COLOURS.get(word)
    return click.style(word, fg=shade) if colour and shade else word


def format_table(
    rows: Sequence[Sequence[str]], *, colour: bool = False, status_columns: Sequence[int] = ()
) -> str:
    """Rows (the first is the header) in left-aligned columns; `status_columns` of the
    body are coloured when `colour` is on (padding is measured before colouring)."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = []
        for column, (cell, width) in enumerate(zip(row, widths, strict=True)):
            padded = cell.ljust(width)
            if index and column in status_columns:
                padded = colour_status(cell, colour) + " " * (width - len(cell))
            cells.append(padded)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def dump(data: Any, output: str) -> str:
    """`data` as JSON or YAML text (no trailing newline)."""
    if output == JSON:
        return json.dumps(data, indent=2, sort_keys=True, default=str)
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False).rstrip("\n")


def emit(
    data: Any,
    output: str,
    *,
    table: Callable[[bool], str] | None = None,
    names: Callable[[], Sequence[str]] | None = None,
) -> None:
    """Print `data` in `output`: json/yaml dump it, name prints `names()`, table and wide
    call `table(wide)`."""
    if output in (JSON, YAML):
        click.echo(dump(data, output))
    elif output == NAME and names is not None:
        for name in names():
            click.echo(name)
    elif table is not None:
        text = table(output == WIDE)
        if text:
            click.echo(text)
