"""AppProjects from Git (the root path of `serve`, or a file given to the CLI)."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitsync.errors import ManifestError
from gitsync.project.model import API_VERSION, KIND, AppProject, ProjectError, parse_project
from gitsync.render.limits import LimitExceeded
from gitsync.render.parse import load_yaml
from gitsync.source.localtree import LocalTree
from gitsync.source.paths import clean_path
from gitsync.source.tree import Tree

_EXTENSIONS = (".yaml", ".yml", ".json")
_MAX_FILE_BYTES = 4 * 1024 * 1024


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.strip("/").split("/"))


def load_projects(tree: Tree, path: str = "") -> dict[str, AppProject]:
    """Every AppProject in the YAML/JSON files at or below `path` of `tree`; two of the same
    name are an error, so one team cannot shadow another's rules."""
    root = clean_path(path)
    names = (
        [root]
        if root and tree.is_file(root)
        else [f for f in tree.walk_files(root) if f.endswith(_EXTENSIONS)]
    )
    found: dict[str, AppProject] = {}
    for name in names:
        if _is_hidden(name[len(root) :]):
            continue
        data = tree.read_bytes(name)
        if b"AppProject" not in data:
            continue
        if len(data) > _MAX_FILE_BYTES:
            raise ProjectError(f"{name}: larger than {_MAX_FILE_BYTES} bytes")
        try:
            docs, _ = load_yaml(data)  # bounded: aliases, nesting (docs/limits.md)
        except (yaml.YAMLError, UnicodeDecodeError, ManifestError):
            raise ProjectError(f"{name}: invalid YAML") from None
        except LimitExceeded as err:
            raise ProjectError(f"{name}: {err}") from None
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != KIND:
                continue
            if doc.get("apiVersion") != API_VERSION:
                raise ProjectError(f"{name}: AppProject must be {API_VERSION}")
            project = parse_project(doc)
            if project.name in found:
                raise ProjectError(f"{name}: AppProject {project.name!r} is defined twice")
            found[project.name] = project
    return found


def load_project_file(path: str | Path) -> dict[str, AppProject]:
    """The AppProjects of one local file or directory (the CLI's ``--project``)."""
    target = Path(path)
    if not target.exists():
        raise ProjectError(f"{target}: no such file or directory")
    if target.is_file():
        return load_projects(LocalTree(target.parent), target.name)
    return load_projects(LocalTree(target))
