"""The git generator: `directories` or `files` of a repository at a revision.

Git is read only through the Tree the context's provider returns, so the generator is
pure given that tree.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import yaml

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.globs import (
    doublestar_regex,
    has_magic,
    path_regex,
    pathspec_matches,
    pathspec_regex,
    segment_regex,
)
from gitsync.appset.names import normalize_name
from gitsync.appset.templating import Params, append_values
from gitsync.errors import ManifestError, SourceError
from gitsync.render.limits import LimitExceeded
from gitsync.render.parse import load_json, load_one
from gitsync.source.tree import Tree


def generate_git(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    repo_url = spec.get("repoURL")
    if not isinstance(repo_url, str) or not repo_url.strip():
        raise FieldError(f"{field}.repoURL", "is missing")
    revision = spec.get("revision") or "HEAD"
    if not isinstance(revision, str):
        raise FieldError(f"{field}.revision", "must be a string")
    prefix = spec.get("pathParamPrefix") or ""
    if not isinstance(prefix, str):
        raise FieldError(f"{field}.pathParamPrefix", "must be a string")
    directories = spec.get("directories")
    files = spec.get("files")
    if bool(directories) == bool(files):
        raise FieldError(field, "needs exactly one of directories or files")
    try:
        tree = ctx.trees(repo_url, revision)
        if directories:
            items = _items(directories, f"{field}.directories")
            results = [
                _directory_params(path, prefix, ctx.go_template)
                for path in _matching_directories(tree, items, f"{field}.directories")
            ]
        else:
            items = _items(files, f"{field}.files")
            results = []
            matcher = _doublestar if ctx.env.new_git_file_globbing else _pathspec
            for path in _matching_files(tree, items, f"{field}.files", matcher):
                results.extend(_file_params(tree, path, prefix, ctx.go_template, field))
    except SourceError as err:
        raise FieldError(f"{field}.repoURL", f"{repo_url}@{revision}: {err}") from None
    for params in results:
        append_values(spec.get("values"), params, ctx.templater, f"{field}.values")
    return results


def _items(raw: Any, field: str) -> list[tuple[str, bool]]:
    if not isinstance(raw, list):
        raise FieldError(field, "must be a list of {path, exclude}")
    items: list[tuple[str, bool]] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("path"), str):
            raise FieldError(where, "needs a path")
        exclude = item.get("exclude", False)
        if not isinstance(exclude, bool):
            raise FieldError(f"{where}.exclude", "must be true or false")
        raw_path = item["path"]
        # Checked before the slashes are trimmed: "/etc/passwd" is not "etc/passwd".
        if raw_path.startswith("/") or ".." in raw_path.split("/"):
            raise FieldError(f"{where}.path", f"path {raw_path!r} must stay inside the repository")
        path = raw_path.strip("/")
        if not path:
            raise FieldError(f"{where}.path", "is empty")
        items.append((path, exclude))
    return items


def _matching_directories(tree: Tree, items: list[tuple[str, bool]], field: str) -> list[str]:
    found: set[str] = set()
    for pattern, exclude in items:
        if not exclude:
            found.update(_expand_directories(tree, pattern, field))
    excluded = [p for p, exclude in items if exclude]
    for pattern in excluded:
        regex = path_regex(_checked(pattern, field))
        found = {path for path in found if not regex.match(path)}  # exclude beats include
    return sorted(found)


def _expand_directories(tree: Tree, pattern: str, field: str) -> list[str]:
    """Directories matching `pattern`, walking only as deep as its segments reach.

    Like Argo CD's repo server, a directory whose name starts with "." is never listed,
    nor anything below it.
    """
    current = [""]
    for segment in _checked(pattern, field).split("/"):
        regex = segment_regex(segment)
        following: list[str] = []
        for parent in current:
            if parent and not tree.is_dir(parent):
                continue
            for name, is_dir in tree.list_dir(parent):
                if is_dir and not name.startswith(".") and regex.match(name):
                    following.append(f"{parent}/{name}" if parent else name)
        current = following
    return current


# (pattern, tree, field) -> the files of `tree` the pattern matches
FileMatcher = Callable[[str, Tree, str], set[str]]
MAX_FILES = 10_000


def _matching_files(
    tree: Tree, items: list[tuple[str, bool]], field: str, matcher: FileMatcher
) -> list[str]:
    """Argo CD's order: every include's files, then every exclude's files taken away."""
    found: set[str] = set()
    for pattern, exclude in items:
        if not exclude:
            found |= matcher(_checked_file_pattern(pattern, field), tree, field)
    for pattern, exclude in items:
        if exclude:
            found -= matcher(_checked_file_pattern(pattern, field), tree, field)
    if len(found) > MAX_FILES:
        raise FieldError(field, f"matches more than {MAX_FILES} files")
    return sorted(found)


def _pathspec(pattern: str, tree: Tree, field: str) -> set[str]:
    """Argo CD's default, ``git ls-files -- pattern``: wildcards cross directories."""
    base = _literal_prefix(pattern)
    if base == pattern:
        if tree.is_file(pattern):
            return {pattern}
        return set(_bounded(tree.walk_files(pattern), field)) if tree.is_dir(pattern) else set()
    # The leading directories before the first wildcard bound the walk.
    start = base if base and tree.is_dir(base) else ""
    if base and not start:
        return set()
    return {p for p in _bounded(tree.walk_files(start), field) if pathspec_matches(pattern, p)}


def _doublestar(pattern: str, tree: Tree, field: str) -> set[str]:
    """The newer globbing: ``*`` within a segment, ``**`` across, ``{a,b}`` alternatives."""
    if "{" not in pattern and not has_magic(pattern):
        return {pattern} if tree.is_file(pattern) else set()
    base = _literal_prefix(pattern) if "{" not in pattern else ""
    if base and not tree.is_dir(base):
        return set()
    regex = doublestar_regex(pattern)
    return {p for p in _bounded(tree.walk_files(base), field) if regex.match(p)}


def _bounded(paths: Iterable[str], field: str) -> Iterator[str]:
    for count, path in enumerate(paths):
        if count >= MAX_WALKED:
            raise FieldError(field, f"the repository has more than {MAX_WALKED} files to match")
        yield path


MAX_WALKED = 200_000


def _literal_prefix(pattern: str) -> str:
    """The leading directories of `pattern` without wildcards (where to start walking)."""
    segments = pattern.split("/")
    literal: list[str] = []
    for segment in segments:
        if has_magic(segment) or "{" in segment:
            return "/".join(literal)
        literal.append(segment)
    return pattern


def _checked_file_pattern(pattern: str, field: str) -> str:
    if pattern.startswith("/") or ".." in pattern.split("/"):
        raise FieldError(field, f"path {pattern!r} must stay inside the repository")
    try:
        pathspec_regex(pattern)
        doublestar_regex(pattern)
    except FieldError as err:
        raise FieldError(field, err.message) from None
    return pattern


def _checked(pattern: str, field: str) -> str:
    if pattern.startswith("/") or ".." in pattern.split("/"):
        raise FieldError(field, f"path {pattern!r} must stay inside the repository")
    try:
        path_regex(pattern)
    except FieldError as err:
        raise FieldError(field, err.message) from None
    return pattern


def _directory_params(path: str, prefix: str, go_template: bool) -> Params:
    basename = posixpath.basename(path)
    if go_template:
        info: dict[str, Any] = {
            "path": path,
            "basename": basename,
            "basenameNormalized": normalize_name(basename),
            "segments": path.split("/"),
        }
        return {prefix: {"path": info}} if prefix else {"path": info}
    name = f"{prefix}.path" if prefix else "path"
    params: Params = {
        name: path,
        f"{name}.basename": basename,
        f"{name}.basenameNormalized": normalize_name(basename),
    }
    for index, segment in enumerate(path.split("/")):
        params[f"{name}[{index}]"] = segment
    return params


def _file_params(tree: Tree, path: str, prefix: str, go_template: bool, field: str) -> list[Params]:
    objects = _read_objects(tree, path, field)
    directory = posixpath.dirname(path) or "."
    filename = posixpath.basename(path)
    basename = posixpath.basename(directory) if directory != "." else "."
    results: list[Params] = []
    for obj in objects:
        if go_template:
            info: dict[str, Any] = {
                "path": directory,
                "basename": basename,
                "filename": filename,
                "basenameNormalized": normalize_name(basename),
                "filenameNormalized": normalize_name(filename),
                "segments": directory.split("/"),
            }
            params: Params = dict(obj)
            if prefix:
                params[prefix] = {"path": info}
            else:
                params["path"] = info
        else:
            params = flatten(obj)
            name = f"{prefix}.path" if prefix else "path"
            params[name] = directory
            params[f"{name}.basename"] = basename
            params[f"{name}.filename"] = filename
            params[f"{name}.basenameNormalized"] = normalize_name(basename)
            params[f"{name}.filenameNormalized"] = normalize_name(filename)
            for index, segment in enumerate(directory.split("/")):
                if segment:
                    params[f"{name}[{index}]"] = segment
        results.append(params)
    return results


def _read_objects(tree: Tree, path: str, field: str) -> list[Mapping[str, Any]]:
    data = tree.read_bytes(path)
    try:
        if path.endswith(".json"):
            loaded = load_json(data.decode("utf-8")) if data.strip() else None
        else:
            loaded = load_one(data)
    except (ValueError, yaml.YAMLError, ManifestError) as err:
        message = " ".join(str(err).split())
        raise FieldError(f"{field}.files", f"{path}: cannot parse: {message}") from None
    except LimitExceeded as err:
        raise err.within(f"{field}.files: {path}") from None
    if loaded is None:
        return [{}]  # an empty file is one empty object, as in Argo CD
    if isinstance(loaded, Mapping):
        return [loaded]
    if isinstance(loaded, list) and all(isinstance(item, Mapping) for item in loaded):
        return loaded
    raise FieldError(f"{field}.files", f"{path}: must hold an object or a list of objects")


def flatten(obj: Mapping[str, Any], prefix: str = "") -> Params:
    """Nested keys joined with dots, every leaf printed as Go's %v would print it."""
    flat: Params = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat.update(flatten({str(i): item for i, item in enumerate(value)}, f"{name}."))
        else:
            flat[name] = _go_value(value)
    return flat


def _go_value(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)
