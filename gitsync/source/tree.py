"""A read-only view of a directory tree: a Git commit, or a plain local directory.

Renderers and generators read sources only through this protocol, so they never touch a
shared, mutable work tree. Paths are POSIX, relative to the tree's root, without a
leading slash; implementations refuse paths that leave the root.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class Tree(Protocol):
    """Files of a repository at one revision (or of a local directory), read-only."""

    @property
    def revision(self) -> str:
        """The commit SHA, or a content label for a tree that is not a Git commit."""
        ...

    def is_dir(self, path: str) -> bool: ...

    def is_file(self, path: str) -> bool: ...

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        """Entries of a directory as (name, is_dir), sorted by name."""
        ...

    def walk_files(self, path: str) -> Iterator[str]:
        """Every file below `path`, recursively, as root-relative paths in sorted order."""
        ...

    def read_bytes(self, path: str) -> bytes: ...
