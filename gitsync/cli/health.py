"""`gitsync health FILE|-`: the health of live objects, as gitsync judges it."""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import yaml

from gitsync.cli.healthargs import health_lua_option, use_health_lua
from gitsync.cli.output import (
    JSON,
    NAME,
    TABLE,
    YAML,
    emit,
    format_table,
    output_option,
    resource_name,
    use_colour,
)
from gitsync.errors import ManifestError, UserInputError
from gitsync.health import Assessment, decide, load_rules
from gitsync.model.keys import ResourceKey

_NO_CHECK = "-"


def _read(source: str) -> tuple[str, str]:
    """(text, name to show in errors)."""
    if source == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(source)
    if not path.exists():
        raise UserInputError(f"{source}: no such file")
    if path.is_dir():
        raise UserInputError(f"{source}: is a directory, expected a file")
    try:
        return path.read_text(encoding="utf-8"), source
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError(f"{source}: cannot read: {err}") from err


def _documents(text: str, name: str) -> Iterator[Any]:
    try:
        yield from yaml.load_all(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ManifestError(f"cannot parse: {problem}", where) from err


def _list_items(doc: Mapping[str, Any], where: str) -> list[Any] | None:
    """The items of ``kind: List`` (kubectl) or ``kind: FooList`` (the API), else None."""
    kind = doc.get("kind")
    items = doc.get("items")
    if not isinstance(kind, str) or not kind.endswith("List"):
        return None
    if kind != "List" and not isinstance(items, list):
        return None
    if items is None:
        return []
    if not isinstance(items, list):
        raise ManifestError("items of a List must be a list", where)
    if kind == "List":
        return items
    # The API leaves apiVersion and kind out of the items of a typed list.
    filled = []
    for item in items:
        if isinstance(item, dict):
            item = {"apiVersion": doc.get("apiVersion"), "kind": kind[: -len("List")], **item}
        filled.append(item)
    return filled


def _as_json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _check_object(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ManifestError(f"expected an object, got {type(obj).__name__}", where)
    if not isinstance(obj.get("kind"), str) or not obj["kind"]:
        raise ManifestError("object has no kind", where)
    # As the API would give it: unquoted YAML timestamps become strings again.
    plain: dict[str, Any] = json.loads(json.dumps(obj, default=_as_json))
    return plain


def load_objects(text: str, name: str) -> list[dict[str, Any]]:
    """Every object in YAML or JSON text: many documents, and Lists expanded."""
    objects: list[dict[str, Any]] = []
    for index, doc in enumerate(_documents(text, name)):
        if doc is None:
            continue
        where = f"{name}#{index}"
        if isinstance(doc, dict):
            items = _list_items(doc, where)
            if items is not None:
                for i, item in enumerate(items):
                    objects.append(_check_object(item, f"{where}.items[{i}]"))
                continue
        objects.append(_check_object(doc, where))
    if not objects:
        raise ManifestError("no objects found", name)
    return objects


def _row(obj: dict[str, Any], found: Assessment) -> dict[str, Any]:
    key = ResourceKey.of(obj)
    health = found.health
    return {
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "status": health.status.value if health is not None else None,
        "message": health.message if health is not None else "",
        "source": found.source,
    }


def _resource(row: dict[str, Any]) -> str:
    return resource_name(row["kind"], row["namespace"], row["name"])


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [["RESOURCE", "HEALTH", "SOURCE", "MESSAGE"]]
    lines += [[_resource(r), r["status"] or _NO_CHECK, r["source"], r["message"]] for r in rows]
    return format_table(lines, colour=use_colour(), status_columns=(1,))


@click.command("health")
@click.argument("source", metavar="FILE|-")
@output_option((TABLE, JSON, YAML, NAME))
@click.option(
    "--rules",
    "rules_files",
    type=click.Path(dir_okay=False, path_type=Path),
    multiple=True,
    help="YAML file of declarative health checks for custom kinds (repeatable)",
)
@health_lua_option
def health(
    source: str, output: str, rules_files: tuple[Path, ...], health_lua: tuple[str, ...]
) -> None:
    """Print the health of each live object in FILE (or stdin with -).

    FILE holds YAML or JSON, one or many documents, or a List as `kubectl get -o yaml`
    prints it. Objects without health show "-" (null in JSON); SOURCE names the check
    that decided (builtin, lua:<script>, registered, plugin, conditions, none). Exits 0 whatever
    the health; 2 when the input cannot be read.
    """
    use_health_lua(health_lua)
    for rules_file in rules_files:
        load_rules(rules_file)
    text, name = _read(source)
    rows = [_row(obj, decide(obj)) for obj in load_objects(text, name)]
    emit(rows, output, table=lambda _: _table(rows), names=lambda: [_resource(r) for r in rows])
