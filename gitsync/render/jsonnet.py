"""Jsonnet files of a directory source, evaluated with imports read from the Tree only."""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

import _jsonnet

from gitsync.errors import ManifestError, SourceError
from gitsync.render.options import JsonnetOptions
from gitsync.source.paths import clean_path, join_path
from gitsync.source.tree import Tree
from gitsync.source.unreadable import UnreadableFileError

_LOCATION = re.compile(r"(?P<file>[^\s:]+\.(?:jsonnet|libsonnet|json)):(?P<line>\d+)")


def evaluate_jsonnet(tree: Tree, name: str, options: JsonnetOptions) -> list[tuple[int, Any]]:
    """The documents a ``.jsonnet`` file produces: an array's items, or one object."""
    escapes: list[str] = []

    def import_callback(directory: str, relative: str) -> tuple[str, bytes]:
        candidates = [directory.rstrip("/")] + [clean_path(lib) for lib in options.libs]
        for base in candidates:
            try:
                found = join_path(base, relative)
            except SourceError as err:
                escapes.append(str(err))
                raise RuntimeError("refused: outside the repository") from None
            try:
                if tree.is_file(found):
                    return found, tree.read_bytes(found)
            except SourceError as err:  # a symlink out of the tree
                escapes.append(str(err))
                raise RuntimeError("refused: outside the repository") from None
        raise RuntimeError("no such file in the repository")

    try:
        source = tree.read_bytes(name).decode("utf-8")
    except UnicodeDecodeError as err:
        raise ManifestError(f"not valid UTF-8 (byte {err.start})", name) from None
    except UnreadableFileError as err:
        raise ManifestError(str(err), name) from None
    try:
        output = _jsonnet.evaluate_snippet(
            name,
            source,
            import_callback=import_callback,
            ext_vars={v.name: v.value for v in options.ext_vars if not v.code},
            ext_codes={v.name: v.value for v in options.ext_vars if v.code},
            tla_vars={v.name: v.value for v in options.tlas if not v.code},
            tla_codes={v.name: v.value for v in options.tlas if v.code},
        )
    except RuntimeError as err:
        if escapes:
            raise SourceError(f"{name}: import {escapes[0]}") from None
        raise _jsonnet_error(str(err), name) from None
    value = json.loads(output)
    items = value if isinstance(value, list) else [value]
    return [(index, item) for index, item in enumerate(items) if item is not None]


def _jsonnet_error(text: str, name: str) -> ManifestError:
    first = text.strip().splitlines()[0] if text.strip() else "jsonnet evaluation failed"
    match = _LOCATION.search(text)
    location = f"{match.group('file')}:{match.group('line')}" if match else name
    message = _LOCATION.sub("", first).replace("STATIC ERROR: ", "").replace("RUNTIME ERROR: ", "")
    return ManifestError(f"jsonnet: {message.strip(' :')}", location or posixpath.basename(name))
