"""Plain directory sources: YAML, JSON and Jsonnet files, as Argo CD reads them."""

from __future__ import annotations

from collections.abc import Iterator

from gitsync.errors import ManifestError
from gitsync.model import Manifest
from gitsync.render.globs import glob_match
from gitsync.render.jsonnet import evaluate_jsonnet
from gitsync.render.limits import Budget
from gitsync.render.objects import is_list, manifests_from_documents
from gitsync.render.options import DirectoryOptions
from gitsync.render.parse import DocumentParser
from gitsync.render.sandbox import Sandbox
from gitsync.source.tree import Tree
from gitsync.source.unreadable import UnreadableFileError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
JSONNET_SUFFIX = ".jsonnet"


def render_directory(
    tree: Tree,
    path: str,
    options: DirectoryOptions,
    parser: DocumentParser,
    sandbox: Sandbox,
    budget: Budget,
) -> list[Manifest]:
    manifests: list[Manifest] = []
    for name in manifest_files(tree, path, options):
        if name.endswith(JSONNET_SUFFIX):
            documents, size = evaluate_jsonnet(tree, name, options.jsonnet, sandbox)
            budget.charge(
                name, size, sum(len(d["items"]) if is_list(d) else 1 for _, d in documents)
            )
        else:
            content_id = _content_id(tree, name)
            cached = parser.cached(name, content_id, budget) if content_id else None
            if cached is None:
                cached = parser.parse(_read(tree, name), name, content_id, budget)
            documents = list(cached)
        manifests.extend(manifests_from_documents(documents, name))
    return manifests


def manifest_files(tree: Tree, path: str, options: DirectoryOptions) -> Iterator[str]:
    """Files to read, sorted; include/exclude match the path relative to `path`."""
    if options.recurse:
        names = list(tree.walk_files(path))
    else:
        names = [f"{path}/{n}" if path else n for n, is_dir in tree.list_dir(path) if not is_dir]
    prefix = f"{path}/" if path else ""
    for name in names:
        if not name.endswith((*MANIFEST_SUFFIXES, JSONNET_SUFFIX)):
            continue
        relative = name[len(prefix) :]
        if options.exclude and glob_match(options.exclude, relative):
            continue
        if options.include and not glob_match(options.include, relative):
            continue
        yield name


def _read(tree: Tree, name: str) -> bytes:
    try:
        return tree.read_bytes(name)
    except UnreadableFileError as err:
        raise ManifestError(str(err).removeprefix(f"{name}: "), name) from None


def _content_id(tree: Tree, name: str) -> str | None:
    """The blob SHA when the tree is content-addressed (Git), else None (hash the bytes)."""
    blob_id = getattr(tree, "blob_id", None)
    return str(blob_id(name)) if callable(blob_id) else None
