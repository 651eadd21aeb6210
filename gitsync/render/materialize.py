"""Copy part of a Tree onto disk for tools that need a filesystem (helm, kustomize).

Only regular files are written (symlinks were already resolved, inside the tree, by the
Tree), so nothing on disk can point outside the temp directory.
"""

from __future__ import annotations

from pathlib import Path

from gitsync.source.tree import Tree


def materialize(tree: Tree, subtree: str, destination: Path) -> int:
    """Write every file below `subtree` to `destination/<path>`; returns the file count."""
    count = 0
    for name in tree.walk_files(subtree):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(tree.read_bytes(name))
        count += 1
    if subtree:
        (destination / subtree).mkdir(parents=True, exist_ok=True)
    return count
