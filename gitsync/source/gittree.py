"""A read-only Tree over one commit of a bare mirror, read by object SHA.

Nothing is checked out: the listing comes from one ``git ls-tree -r`` per commit and file
contents from a persistent ``git cat-file --batch`` process, so any number of threads can
read any commits while a fetch adds objects to the same mirror (objects never change).
Symlinks are followed inside the tree; one that points outside raises SourceError.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import git

from gitsync.errors import SourceError
from gitsync.source.gitcmd import run_git
from gitsync.source.paths import clean_path
from gitsync.source.unreadable import UnreadableFileError

_MAX_LINK_DEPTH = 40
_MODE_SYMLINK = "120000"


@dataclass(frozen=True, slots=True)
class _Entry:
    mode: str
    kind: str  # "blob", "tree" or "commit" (a submodule, treated as absent)
    oid: str

    @property
    def is_link(self) -> bool:
        return self.mode == _MODE_SYMLINK


class ObjectReader:
    """One ``git cat-file --batch`` per mirror, shared by its trees under a lock."""

    def __init__(self, mirror: Path) -> None:
        self._git = git.Git(str(mirror))
        self._lock = threading.Lock()

    def read(self, oid: str) -> bytes:
        with self._lock:
            try:
                _, _, _, data = self._git.get_object_data(oid)
            except (ValueError, git.GitCommandError) as err:
                raise SourceError(f"object {oid} missing from the mirror: {err}") from None
        return bytes(data)

    def object_type(self, rev: str) -> str | None:
        """The type of the object `rev` names, or None when the mirror lacks it."""
        with self._lock:
            try:
                _, kind, _ = self._git.get_object_header(rev)
            except (ValueError, git.GitCommandError):
                return None
        return kind.decode() if isinstance(kind, bytes) else str(kind)

    def close(self) -> None:
        with self._lock:
            self._git.clear_cache()


class GitTree:
    """The tree of commit `sha` (implements gitsync.source.tree.Tree)."""

    def __init__(self, mirror: Path, sha: str, reader: ObjectReader, label: str = "") -> None:
        self._mirror = mirror
        self._sha = sha
        self._reader = reader
        self._label = label
        self._entries: dict[str, _Entry] | None = None
        self._children: dict[str, list[str]] = {}
        self._load_lock = threading.Lock()

    @property
    def revision(self) -> str:
        return self._sha

    @property
    def identity(self) -> str:
        """What makes this tree's content unique: the repository and the commit."""
        return f"{self._label}@{self._sha}"

    def is_dir(self, path: str) -> bool:
        real = self._resolve(clean_path(path))
        return real == "" or self._entry_kind(real) == "tree"

    def is_file(self, path: str) -> bool:
        real = self._resolve(clean_path(path))
        return real != "" and self._entry_kind(real) == "blob"

    def list_dir(self, path: str) -> list[tuple[str, bool]]:
        clean = clean_path(path)
        real = self._resolve(clean)
        if not (real == "" or self._entry_kind(real) == "tree"):
            raise SourceError(f"{clean or '.'} is not a directory at {self._sha[:12]}")
        result: list[tuple[str, bool]] = []
        for name in self._loaded_children().get(real, []):
            child = posixpath.join(real, name) if real else name
            kind = self._entry_kind(self._resolve(child))
            if kind in ("tree", "blob"):
                result.append((name, kind == "tree"))
        return result

    def walk_files(self, path: str) -> Iterator[str]:
        clean = clean_path(path)
        for name, is_dir in self.list_dir(clean):
            child = posixpath.join(clean, name) if clean else name
            if not is_dir:
                yield child
            elif not self._is_link(child):  # a linked directory could loop back
                yield from self.walk_files(child)

    def read_bytes(self, path: str) -> bytes:
        return self._reader.read(self.blob_id(path))

    def blob_id(self, path: str) -> str:
        """The blob SHA of a file: its content's identity, for caches."""
        clean = clean_path(path)
        real = self._resolve(clean)
        entry = self._loaded().get(real)
        if entry is None or entry.kind != "blob":
            raise UnreadableFileError(f"{clean}: no such file at {self._sha[:12]}")
        return entry.oid

    def _entry_kind(self, real: str) -> str | None:
        entry = self._loaded().get(real)
        return entry.kind if entry else None

    def _is_link(self, path: str) -> bool:
        entry = self._loaded().get(path)
        return bool(entry and entry.is_link)

    def _resolve(self, path: str, depth: int = 0) -> str:
        """`path` with every symlink along it followed, refusing links out of the tree."""
        if depth > _MAX_LINK_DEPTH:
            raise SourceError(f"{path}: too many levels of symbolic links")
        entries = self._loaded()
        current = ""
        parts = path.split("/") if path else []
        for index, part in enumerate(parts):
            candidate = posixpath.join(current, part) if current else part
            entry = entries.get(candidate)
            if entry is not None and entry.is_link:
                target = self._reader.read(entry.oid).decode("utf-8", "surrogateescape")
                if target.startswith("/"):
                    raise SourceError(f"symlink {candidate} points outside the repository")
                try:
                    joined = clean_path(posixpath.join(posixpath.dirname(candidate), target))
                except SourceError:
                    raise SourceError(
                        f"symlink {candidate} points outside the repository"
                    ) from None
                rest = "/".join(parts[index + 1 :])
                return self._resolve(posixpath.join(joined, rest) if rest else joined, depth + 1)
            current = candidate
        return current

    def _loaded(self) -> dict[str, _Entry]:
        entries = self._entries
        if entries is None:
            with self._load_lock:
                if self._entries is None:
                    self._entries = self._list_all()
                entries = self._entries
        return entries

    def _loaded_children(self) -> dict[str, list[str]]:
        self._loaded()
        return self._children

    def _list_all(self) -> dict[str, _Entry]:
        out = run_git(
            self._mirror,
            ["ls-tree", "-r", "-t", "-z", "--full-tree", self._sha],
            what=f"list files of {self._sha[:12]}",
        )
        entries: dict[str, _Entry] = {}
        children: dict[str, list[str]] = {"": []}
        for record in out.split(b"\x00"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, kind, oid = meta.decode().split(" ")
            path = raw_path.decode("utf-8", "surrogateescape")
            entries[path] = _Entry(mode, kind, oid)
            parent, _, name = path.rpartition("/")
            children.setdefault(parent, []).append(name)
            if kind == "tree":
                children.setdefault(path, [])
        for names in children.values():
            names.sort()
        self._children = children
        return entries
