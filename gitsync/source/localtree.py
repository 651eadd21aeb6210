"""A read-only Tree over a plain local directory (``gitsync render ./dir``).

Symlinks are followed only while they stay inside the root; one that leads out raises
SourceError, as does any path that is absolute or climbs out with ``..``.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path

from gitsync.errors import SourceError
from gitsync.source.paths import clean_path
from gitsync.source.unreadable import UnreadableFileError


class LocalTree:
    """The files below `root` as they are on disk now (implements Tree)."""

    def __init__(self, root: Path) -> None:
        self._root = Path(os.path.realpath(root))
        if not self._root.is_dir():
            raise SourceError(f"{root} is not a directory")

    @property
    def root(self) -> Path:
        return self._root

    @property
    def revision(self) -> str:
        return "local"

    def is_dir(self, path: str) -> bool:
        return self._real(path).is_dir()

    def is_file(self, path: str) -> bool:
        return self._real(path).is_file()

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        clean = clean_path(path)
        real = self._real(clean)
        try:
            names = sorted(os.listdir(real))
        except OSError as err:
            raise UnreadableFileError(f"{clean or '.'}: cannot list ({err.strerror})") from None
        result: list[tuple[str, bool]] = []
        for name in names:
            if name == ".git":  # never part of a Git tree's content either
                continue
            child = self._real(posixpath.join(clean, name) if clean else name)
            if child.is_dir():
                result.append((name, True))
            elif child.is_file():
                result.append((name, False))
        return result

    def walk_files(self, path: str) -> Iterator[str]:
        clean = clean_path(path)
        for name, is_dir in self.list_dir(clean):
            child = posixpath.join(clean, name) if clean else name
            if not is_dir:
                yield child
            elif not (self._root / child).is_symlink():  # a linked directory could loop back
                yield from self.walk_files(child)

    def read_bytes(self, path: str) -> bytes:
        clean = clean_path(path)
        try:
            return self._real(clean).read_bytes()
        except OSError as err:
            raise UnreadableFileError(f"{clean}: cannot read ({err.strerror})") from None

    def _real(self, path: str) -> Path:
        """The resolved location of `path`, refusing anything outside the root."""
        clean = clean_path(path)
        real = Path(os.path.realpath(self._root / clean))
        if real != self._root and self._root not in real.parents:
            raise SourceError(f"{clean}: symlink points outside the directory {self._root}")
        return real
