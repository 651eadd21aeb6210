"""Which repositories on the controller's own disk `gitsync serve` may read.

A repoURL comes from Git, so from anyone who can commit: left alone, ``repoURL: /`` (or
``file:///var/run/secrets``) would let a committer read the controller's filesystem
into generated Applications, rendered objects, the API and the logs. `serve` therefore
reads a local path or ``file://`` URL only when it is the root repository given on its
command line, or lies under a directory an operator listed with ``--allow-local-repos``.
Git's ``<transport>::<address>`` form (``ext::``, ``fd::``) is refused outright: it runs
a helper instead of naming a repository. Remote URLs pass unchanged.

The CLI commands (`render`, `plan`, `diff`, `sync`) do not use this: a person runs them
on their own checkout.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import TypeVar

from gitsync.errors import SourceError
from gitsync.source.urls import normalize_repo_url, url_scheme

T = TypeVar("T")

RULE = (
    "gitsync serve reads local repositories only for its root repository "
    "and under directories given with --allow-local-repos"
)
_TRANSPORT_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")


class LocalRepoRefused(SourceError):
    """A repoURL that names something on the controller's disk it may not read."""


class LocalRepoPolicy:
    """`check(url)` refuses local repositories other than the root and the allowed dirs."""

    def __init__(self, root_repo: str, allowed_dirs: Iterable[str] = ()) -> None:
        self._root_forms: set[str] = set()
        if url_scheme(root_repo) == "file":
            self._root_forms = {normalize_repo_url(root_repo), _real(_local_path(root_repo))}
        self._allowed = tuple(_real(os.path.expanduser(d)) for d in allowed_dirs)

    @property
    def allowed_dirs(self) -> tuple[str, ...]:
        return self._allowed

    def check(self, url: str) -> None:
        """Return when `url` may be read; raise `LocalRepoRefused` naming the rule."""
        text = url.strip()
        if _TRANSPORT_PREFIX.match(text):
            raise LocalRepoRefused(
                f"repository {text.split('::', 1)[0]}::... refused: "
                "git transport helpers are never run by gitsync serve"
            )
        if url_scheme(text) != "file":
            return
        if normalize_repo_url(text) in self._root_forms:
            return
        real = _real(_local_path(text))
        if real in self._root_forms or any(_inside(real, d) for d in self._allowed):
            return
        raise LocalRepoRefused(f"local repository {text!r} refused: {RULE}")

    def guard(self, provide: Callable[[str, str], T]) -> Callable[[str, str], T]:
        """`provide(repo_url, revision)` that checks the URL first (for tree providers)."""

        def checked(repo_url: str, revision: str) -> T:
            self.check(repo_url)
            return provide(repo_url, revision)

        return checked


def _local_path(url: str) -> str:
    text = url.strip()
    if text.lower().startswith("file://"):
        text = urllib.parse.unquote(urllib.parse.urlsplit(text).path) or "/"
    return os.path.abspath(os.path.expanduser(text))


def _real(path: str) -> str:
    """The path with every symlink resolved, so a link inside an allowed directory that
    points elsewhere is judged by where it leads."""
    return os.path.realpath(path)


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")
