"""Jsonnet files of a directory source, evaluated with imports read from the Tree only."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from gitsync.errors import ManifestError, SourceError
from gitsync.render.limits import LimitExceeded
from gitsync.render.options import JsonnetOptions
from gitsync.render.parse import load_json
from gitsync.render.sandbox import Sandbox, TaskFailed
from gitsync.source.paths import clean_path, join_path
from gitsync.source.tree import Tree
from gitsync.source.unreadable import UnreadableFileError

_LOCATION = re.compile(r"(?P<file>[^\s:]+\.(?:jsonnet|libsonnet|json)):(?P<line>\d+)")


def evaluate_jsonnet(
    tree: Tree, name: str, options: JsonnetOptions, sandbox: Sandbox
) -> tuple[list[tuple[int, Any]], int]:
    """The documents a ``.jsonnet`` file produces (an array's items, or one object) and
    the bytes of its JSON. Evaluated in a bounded child; imports are read here."""
    limits = sandbox.limits
    escapes: list[str] = []
    served = [0]

    def serve_import(request: list[str]) -> tuple[str, bytes] | str:
        directory, relative = request
        candidates = [directory.rstrip("/")] + [clean_path(lib) for lib in options.libs]
        for base in candidates:
            try:
                found = join_path(base, relative)
                if tree.is_file(found):
                    data = tree.read_bytes(found)
                    served[0] += len(data)
                    if served[0] > limits.max_manifest_bytes:
                        return "refused: imports exceed max-manifest-bytes"
                    return found, data
            except SourceError as err:  # outside the tree, or a symlink out of it
                escapes.append(str(err))
                return "refused: outside the repository"
            except UnreadableFileError as err:
                return str(err)
        return "no such file in the repository"

    try:
        source = tree.read_bytes(name).decode("utf-8")
    except UnicodeDecodeError as err:
        raise ManifestError(f"not valid UTF-8 (byte {err.start})", name) from None
    except UnreadableFileError as err:
        raise ManifestError(str(err), name) from None
    variables = {
        "ext_vars": {v.name: v.value for v in options.ext_vars if not v.code},
        "ext_codes": {v.name: v.value for v in options.ext_vars if v.code},
        "tla_vars": {v.name: v.value for v in options.tlas if not v.code},
        "tla_codes": {v.name: v.value for v in options.tlas if v.code},
    }
    args = (name, source, variables, limits.max_manifest_bytes)
    try:
        output = str(sandbox.run("jsonnet", args, f"jsonnet {name}", serve_import))
    except TaskFailed as err:
        if escapes:
            raise SourceError(f"{name}: import {escapes[0]}") from None
        raise _jsonnet_error(str(err), name) from None
    try:
        value = load_json(output, limits)
    except LimitExceeded as err:
        raise err.within(name) from None
    items = value if isinstance(value, list) else [value]
    return [(index, item) for index, item in enumerate(items) if item is not None], len(output)


def _jsonnet_error(text: str, name: str) -> ManifestError:
    first = text.strip().splitlines()[0] if text.strip() else "jsonnet evaluation failed"
    match = _LOCATION.search(text)
    location = f"{match.group('file')}:{match.group('line')}" if match else name
    message = _LOCATION.sub("", first).replace("STATIC ERROR: ", "").replace("RUNTIME ERROR: ", "")
    return ManifestError(f"jsonnet: {message.strip(' :')}", location or posixpath.basename(name))
