"""Read the Applications and ApplicationSets of a root directory (or one file)."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import ManifestError
from gitsync.model import Application, ApplicationSet
from gitsync.render.limits import DEFAULT_LIMITS, LimitExceeded, Limits
from gitsync.render.parse import load_yaml
from gitsync.source.localtree import LocalTree
from gitsync.source.paths import clean_path
from gitsync.source.tree import Tree

_EXTENSIONS = (".yaml", ".yml", ".json")
Problem = tuple[str, str]  # (file#index, one-line error)
_ARGO_GROUP = "argoproj.io/"


def load_documents(
    tree_or_dir: Tree | Path | str,
    path: str = "",
    problems: list[Problem] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[Application], list[ApplicationSet]]:
    """Every Application and ApplicationSet in the YAML/JSON files at or below `path`
    (recursively, skipping directories that start with "."). Other documents are ignored;
    a file that is not YAML is skipped unless it mentions argoproj.io. Every file is
    read within `limits` (sizes, aliases, nesting).

    An invalid document raises ManifestError; with `problems` given, an invalid
    Application is instead left out and added there (location, message), so that one
    bad Application does not hide the others."""
    tree = _as_tree(tree_or_dir)
    root = clean_path(path)
    if root and tree.is_file(root):
        files = [root]
    else:
        files = [
            f
            for f in tree.walk_files(root)
            if f.endswith(_EXTENSIONS) and not _hidden(f[len(root) :])
        ]
    applications: list[Application] = []
    appsets: list[ApplicationSet] = []
    for name in files:
        # A file named on its own must parse; in a directory, YAML that is not ours
        # (a Helm template next to the apps) is skipped.
        for index, doc in _documents(tree, name, limits, strict=name == root):
            if not isinstance(doc, dict) or not str(doc.get("apiVersion", "")).startswith(
                _ARGO_GROUP
            ):
                continue
            where = f"{name}#{index}" if index else name
            if doc.get("kind") == "Application":
                try:
                    applications.append(Application.from_object(doc, source=where))
                except ManifestError as err:
                    if problems is None:
                        raise
                    problems.append((where, str(err)))
            elif doc.get("kind") == "ApplicationSet":
                appsets.append(ApplicationSet.from_object(doc, source=where))
    return applications, appsets


def _as_tree(tree_or_dir: Tree | Path | str) -> Tree:
    if isinstance(tree_or_dir, Path | str):
        return LocalTree(Path(tree_or_dir))
    return tree_or_dir


def _documents(tree: Tree, name: str, limits: Limits, *, strict: bool) -> list[tuple[int, Any]]:
    data = tree.read_bytes(name)
    ours = strict or _ARGO_GROUP.encode() in data
    try:
        return list(enumerate(load_yaml(data, limits)[0]))
    except LimitExceeded as err:
        raise err.within(name) from None
    except UnicodeDecodeError as err:
        if not ours:
            return []
        line = data.count(b"\n", 0, err.start) + 1
        raise ManifestError(f"not valid UTF-8 (byte {err.start})", f"{name}:{line}") from None
    except yaml.YAMLError as err:
        if not ours:
            return []  # e.g. a Helm template next to the apps: not ours to judge
        mark = getattr(err, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(err, "problem", None) or " ".join(str(err).split())
        raise ManifestError(f"invalid YAML: {problem}", where) from None


def _hidden(relative: str) -> bool:
    parts = relative.strip("/").split("/")
    return any(part.startswith(".") for part in parts[:-1]) or posixpath.basename(
        relative
    ).startswith(".")
