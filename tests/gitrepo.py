"""Build small, real Git repositories in a temp dir for tests.

    repo = GitRepo.create(tmp_path / "repo", files={"apps/a/cm.yaml": "kind: ConfigMap..."})
    first = repo.head                      # SHA of the initial commit
    second = repo.commit(files={"apps/a/cm.yaml": "..."}, delete=["old.yaml"], message="m")
    repo.branch("feature")                 # a branch at HEAD (or at=<sha>)
    repo.tag("v1")                         # a lightweight tag; annotated with message="..."
    repo.url                               # file:// URL to give to RepoCache
    repo.path                              # the work tree on disk

`files` values are str or bytes; a value of `Symlink("target")` makes a symlink.
The default branch is ``main``; commits have a fixed author, so tests never depend on
the machine's git configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import git

_AUTHOR = git.Actor("gitsync tests", "tests@gitsync.invalid")


@dataclass(frozen=True)
class Symlink:
    """A file value that makes a symbolic link pointing at `target`."""

    target: str


FileContent = str | bytes | Symlink


class GitRepo:
    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo

    @classmethod
    def create(
        cls, path: Path, files: dict[str, FileContent] | None = None, message: str = "initial"
    ) -> GitRepo:
        """A new repository at `path` on branch ``main`` with one commit of `files`."""
        path.mkdir(parents=True, exist_ok=True)
        repo = git.Repo.init(path, initial_branch="main")
        with repo.config_writer() as config:
            config.set_value("user", "name", _AUTHOR.name)
            config.set_value("user", "email", _AUTHOR.email)
            config.set_value("core", "symlinks", "true")
        made = cls(repo)
        made.commit(files=files or {"README.md": "test repository\n"}, message=message)
        return made

    @property
    def path(self) -> Path:
        return Path(self.repo.working_tree_dir or "")

    @property
    def url(self) -> str:
        return self.path.as_uri()

    @property
    def head(self) -> str:
        return self.repo.head.commit.hexsha

    def commit(
        self,
        files: dict[str, FileContent] | None = None,
        delete: list[str] | None = None,
        message: str = "change",
    ) -> str:
        """Write `files`, remove `delete`, commit everything; returns the new SHA."""
        for name, content in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            if isinstance(content, Symlink):
                os.symlink(content.target, target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        for name in delete or []:
            (self.path / name).unlink()
        self.repo.git.add("--all")
        self.repo.git.commit("--quiet", "--allow-empty", "--no-verify", "-m", message)
        return self.head

    def branch(self, name: str, at: str | None = None) -> str:
        """Create branch `name` at `at` (default HEAD) without switching to it."""
        self.repo.git.branch(name, at or self.head)
        return at or self.head

    def checkout(self, name: str) -> None:
        """Switch the work tree to branch `name` (later commits go there)."""
        self.repo.git.checkout(name)

    def tag(self, name: str, at: str | None = None, message: str | None = None) -> str:
        """Tag `at` (default HEAD); annotated when `message` is given. Returns the commit."""
        sha = at or self.head
        if message:
            self.repo.git.tag("-a", name, sha, "-m", message)
        else:
            self.repo.git.tag(name, sha)
        return sha
