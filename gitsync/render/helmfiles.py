"""``helm.fileParameters`` (Helm's ``--set-file``): a value set to a file's content.

The file is read from the repository (relative to the chart, ``/x`` from the
repository's root, never outside it) and handed to Helm as a ``--set-string``
parameter whose value is escaped so Helm's parser keeps it literally: the same value
``--set-file`` gives, set after the other parameters as Argo CD sets it.
"""

from __future__ import annotations

import dataclasses

from gitsync.errors import RenderError
from gitsync.render.options import HelmOptions, HelmParameter
from gitsync.source.paths import join_path
from gitsync.source.tree import Tree

MAX_FILE_BYTES = 4 * 1024 * 1024


def with_file_parameters(tree: Tree, path: str, options: HelmOptions) -> HelmOptions:
    """`options` with each file parameter turned into a literal string parameter."""
    if not options.file_parameters:
        return options
    added: list[HelmParameter] = []
    for name, entry in options.file_parameters:
        if "://" in entry:
            raise RenderError(f"{path}: helm file parameter {name}: remote file {entry}")
        relative = entry.lstrip("/")
        file = join_path("", relative) if entry.startswith("/") else join_path(path, entry)
        if not tree.is_file(file):
            raise RenderError(f"{path}: helm file parameter {name}: {entry} not found")
        data = tree.read_bytes(file)
        if len(data) > MAX_FILE_BYTES:
            raise RenderError(f"{path}: helm file parameter {name}: {entry} is over 4 MB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RenderError(f"{path}: helm file parameter {name}: {entry} is not UTF-8") from None
        added.append(HelmParameter(name, literal(text), force_string=True))
    return dataclasses.replace(options, parameters=(*options.parameters, *added))


def literal(text: str) -> str:
    """`text` escaped for a ``--set-string`` value: backslashes and commas, and a
    leading ``{`` (which would start a list)."""
    escaped = text.replace("\\", "\\\\").replace(",", "\\,")
    return f"\\{escaped}" if escaped.startswith("{") else escaped
