"""Validation of tree-relative paths: everything read from Git is untrusted."""

from __future__ import annotations

import posixpath

from gitsync.errors import SourceError


def clean_path(path: str) -> str:
    """`path` as a normalised, root-relative POSIX path ("" for the root itself).

    Refuses absolute paths and any path that climbs above the root with ``..``, even
    when it comes back down (``a/../../b``), so no caller can read outside a tree.
    """
    if "\x00" in path:
        raise SourceError(f"invalid path {path!r}: contains a NUL byte")
    if path.startswith("/") or path.startswith("\\"):
        raise SourceError(f"path {path!r} is absolute: paths must be relative to the repository")
    depth = 0
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            depth -= 1
            if depth < 0:
                raise SourceError(f"path {path!r} leaves the repository")
            parts.pop()
            continue
        depth += 1
        parts.append(part)
    return "/".join(parts)


def join_path(base: str, relative: str) -> str:
    """`relative` resolved against the directory `base`, both inside the tree."""
    if relative.startswith("/"):
        raise SourceError(f"path {relative!r} is absolute: paths must be relative")
    return clean_path(posixpath.join(base, relative) if base else relative)
