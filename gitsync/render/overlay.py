"""A Tree with other trees' directories mounted at paths it does not have: a chart in
Git seen together with the dependencies put into its ``charts/``, without writing them
anywhere (renderers copy what they read, as for any tree)."""

from __future__ import annotations

import heapq
import posixpath
from collections.abc import Iterator, Mapping

from gitsync.source.tree import Tree


class OverlayTree:
    """`base`, plus for each mount point ``dir`` the subtree ``(tree, path)`` there.

    Mount points do not nest (a mounted tree may be an OverlayTree itself), and what
    `base` has below a mount point is hidden by it."""

    def __init__(self, base: Tree, mounts: Mapping[str, tuple[Tree, str]]) -> None:
        self.base = base
        self.mounts = dict(mounts)

    @property
    def revision(self) -> str:
        return self.base.revision

    def _find(self, path: str) -> tuple[Tree, str]:
        """The tree and path that hold `path`."""
        mount = self._mount_of(path)
        if mount is None:
            return self.base, path
        tree, inner = self.mounts[mount]
        rest = path[len(mount) + 1 :]
        return tree, posixpath.join(inner, rest) if inner and rest else inner or rest

    def _mount_of(self, path: str) -> str | None:
        for mount in self.mounts:
            if path == mount or path.startswith(f"{mount}/"):
                return mount
        return None

    def is_dir(self, path: str) -> bool:
        if any(mount.startswith(f"{path}/") or not path for mount in self.mounts):
            return True
        tree, inner = self._find(path)
        return tree.is_dir(inner)

    def is_file(self, path: str) -> bool:
        tree, inner = self._find(path)
        return tree.is_file(inner)

    def read_bytes(self, path: str) -> bytes:
        tree, inner = self._find(path)
        return tree.read_bytes(inner)

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        tree, inner = self._find(path)
        entries = dict(tree.list_dir(inner)) if tree.is_dir(inner) else {}
        prefix = f"{path}/" if path else ""
        for mount in self.mounts:
            if mount.startswith(prefix) and "/" not in mount[len(prefix) :]:
                entries[mount[len(prefix) :]] = True
        return sorted(entries.items())

    def walk_files(self, path: str) -> Iterator[str]:
        tree, inner = self._find(path)
        if self._mount_of(path) is not None:
            offset = len(inner) + 1 if inner else 0
            for name in tree.walk_files(inner):
                yield posixpath.join(path, name[offset:]) if path else name[offset:]
            return
        prefix = f"{path}/" if path else ""
        inside = [m for m in sorted(self.mounts) if m.startswith(prefix)]
        walks: list[Iterator[str]] = [self.walk_files(mount) for mount in inside]
        if self.base.is_dir(path):
            hidden = tuple(f"{mount}/" for mount in inside)
            base = self.base.walk_files(path)
            walks.append(name for name in base if not name.startswith(hidden))
        yield from heapq.merge(*walks)
