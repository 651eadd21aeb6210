"""A cache of bare Git mirrors: revision -> SHA, trees at a SHA, changed files.

One bare mirror per repository (keyed by its normalised URL) under `cache_dir`. Change
detection is one ``git ls-remote``; a fetch happens only when the wanted commit is not in
the mirror yet. Reads go through GitTree (objects by SHA, no work tree), so they are safe
while another thread fetches: objects in a Git store never change, and automatic gc is
off in the mirror so no pack disappears under a reader.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from gitsync.errors import SourceError
from gitsync.source.credentials import Credentials, GitAuth
from gitsync.source.gitcmd import DEFAULT_TIMEOUT, run_git
from gitsync.source.gittree import GitTree, ObjectReader
from gitsync.source.urls import git_url, normalize_repo_url, redact_url

_FULL_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-fA-F]{4,39}$")
_TREE_CACHE_SIZE = 64


@dataclass
class SourceStats:
    """How many git round trips happened (for tests, benchmarks and metrics)."""

    ls_remote: int = 0
    fetch: int = 0
    clone: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass
class _Mirror:
    url: str
    path: Path
    reader: ObjectReader
    remote: str
    fetch_lock: threading.Lock = field(default_factory=threading.Lock)
    populated: bool = False


def default_cache_dir() -> Path:
    """``$GITSYNC_CACHE_DIR``, else ``$XDG_CACHE_HOME/gitsync/repos`` (``~/.cache/...``)."""
    explicit = os.environ.get("GITSYNC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gitsync" / "repos"


class RepoCache:
    """Bare mirrors of the repositories gitsync reads, shared by every app and thread."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        credentials: GitAuth | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.credentials: GitAuth = (
            credentials if credentials is not None else Credentials.from_env()
        )
        self.timeout = timeout
        self.stats = SourceStats()
        self._mirrors: dict[str, _Mirror] = {}
        self._mirrors_lock = threading.Lock()
        self._trees: OrderedDict[tuple[str, str], GitTree] = OrderedDict()
        self._trees_lock = threading.Lock()
        self._summaries: dict[tuple[str, str], str] = {}

    def resolve(self, url: str, revision: str = "HEAD") -> str:
        """The commit SHA `revision` names now: a branch, tag, full or short SHA, or HEAD.

        Costs one ``ls-remote`` when the commit is already mirrored, plus one fetch when
        it is not. A full SHA already in the mirror costs nothing.
        """
        rev = (revision or "").strip() or "HEAD"
        mirror = self._mirror(url)
        if _FULL_SHA.match(rev):
            return self._ensure_commit(mirror, rev.lower(), rev)
        refs = self._ls_remote(mirror)
        sha = _match_ref(refs, rev)
        if sha is not None:
            return self._ensure_commit(mirror, sha, rev)
        if _SHORT_SHA.match(rev):
            return self._resolve_short(mirror, rev)
        raise SourceError(f"revision {rev!r} not found in {redact_url(url)}")

    def tree(self, url: str, sha: str) -> GitTree:
        """The tree of commit `sha` (fetching it first if the mirror lacks it)."""
        mirror = self._mirror(url)
        full = sha.lower() if _FULL_SHA.match(sha) else self.resolve(url, sha)
        key = (mirror.url, full)
        with self._trees_lock:
            cached = self._trees.get(key)
            if cached is not None:
                self._trees.move_to_end(key)
                return cached
        self._ensure_commit(mirror, full, sha)
        tree = GitTree(mirror.path, full, mirror.reader, label=mirror.url)
        with self._trees_lock:
            self._trees[key] = tree
            while len(self._trees) > _TREE_CACHE_SIZE:
                self._trees.popitem(last=False)
        return tree

    def changed_files(self, url: str, old_sha: str, new_sha: str) -> list[str]:
        """Paths added, changed or deleted between two commits, sorted."""
        mirror = self._mirror(url)
        old = self._ensure_commit(mirror, old_sha.lower(), old_sha)
        new = self._ensure_commit(mirror, new_sha.lower(), new_sha)
        out = run_git(
            mirror.path,
            ["diff-tree", "-r", "-z", "--name-only", "--no-commit-id", old, new],
            timeout=self.timeout,
            what=f"compare {old[:12]}..{new[:12]} in {url}",
        )
        names = {n.decode("utf-8", "surrogateescape") for n in out.split(b"\x00") if n}
        return sorted(names)

    def commit_summary(self, url: str, sha: str) -> str:
        """``subject — author, date`` of a commit already in the mirror, for people to read
        (the subject cut to 200 characters); computed once per commit."""
        key = (url, sha)
        with self._trees_lock:
            found = self._summaries.get(key)
        if found is not None:
            return found
        mirror = self._mirror(url)
        commit = self._ensure_commit(mirror, sha.lower(), sha)
        out = run_git(
            mirror.path,
            ["show", "-s", "--format=%s%x00%an%x00%as", commit],
            timeout=self.timeout,
            what=f"read commit {commit[:12]} of {url}",
        )
        subject, _, rest = out.decode("utf-8", "replace").strip().partition("\x00")
        author, _, day = rest.partition("\x00")
        summary = f"{subject[:200]} — {author[:100]}, {day}"
        with self._trees_lock:
            self._summaries[key] = summary
            while len(self._summaries) > _TREE_CACHE_SIZE * 4:
                self._summaries.pop(next(iter(self._summaries)))
        return summary

    def close(self) -> None:
        """Stop the helper processes of every mirror (the mirrors stay on disk)."""
        with self._mirrors_lock:
            for mirror in self._mirrors.values():
                mirror.reader.close()

    # -- mirrors ---------------------------------------------------------------------------

    def _mirror(self, url: str) -> _Mirror:
        if not url or not url.strip():
            raise SourceError("no repository URL given")
        key = normalize_repo_url(url)
        with self._mirrors_lock:
            mirror = self._mirrors.get(key)
            if mirror is None:
                digest = hashlib.sha256(key.encode()).hexdigest()[:24]
                path = self.cache_dir / f"{digest}.git"
                self._init_mirror(path, url)
                mirror = _Mirror(url=key, path=path, reader=ObjectReader(path), remote=git_url(url))
                mirror.populated = (path / "packed-refs").exists() or any(
                    (path / "refs" / "heads").iterdir()
                )
                self._mirrors[key] = mirror
        return mirror

    def _init_mirror(self, path: Path, url: str) -> None:
        if (path / "HEAD").exists():
            self._set_remote(path, git_url(url))  # the URL's spelling or credentials may differ
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SourceError(f"cannot create cache directory {path.parent}: {err}") from None
        run_git(path.parent, ["init", "--bare", "--quiet", str(path)], what="create mirror")
        for key, value in (
            ("gc.auto", "0"),  # a repack under a running reader would pull packs away
            ("maintenance.auto", "false"),
            ("fetch.writeCommitGraph", "false"),
            ("core.logAllRefUpdates", "false"),
        ):
            run_git(path, ["config", key, value], what="configure mirror")
        self._set_remote(path, git_url(url))

    def _set_remote(self, path: Path, url: str) -> None:
        run_git(path, ["config", "remote.origin.url", url], what="configure mirror")
        run_git(
            path,
            ["config", "--replace-all", "remote.origin.fetch", "+refs/heads/*:refs/heads/*"],
            what="configure mirror",
        )
        run_git(
            path,
            ["config", "--add", "remote.origin.fetch", "+refs/tags/*:refs/tags/*"],
            what="configure mirror",
        )

    # -- network round trips ---------------------------------------------------------------

    def _remote_url(self, mirror: _Mirror) -> str:
        return mirror.remote

    def _ls_remote(self, mirror: _Mirror) -> dict[str, str]:
        url = self._remote_url(mirror)
        self.stats.count("ls_remote")
        with self.credentials.git_session(url) as env:
            out = run_git(
                mirror.path,
                ["ls-remote", "--", url],
                env=env,
                timeout=self.timeout,
                what=f"cannot reach repository {url}",
            )
        refs: dict[str, str] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            sha, _, name = line.partition("\t")
            if name:
                refs[name] = sha
        return refs

    def _fetch(self, mirror: _Mirror) -> None:
        url = self._remote_url(mirror)
        self.stats.count("fetch")
        if not mirror.populated:
            self.stats.count("clone")
        with self.credentials.git_session(url) as env:
            run_git(
                mirror.path,
                ["fetch", "--prune", "--quiet", "--no-write-fetch-head", "origin"],
                env=env,
                timeout=self.timeout,
                what=f"cannot fetch {url}",
            )
        mirror.populated = True

    def _ensure_commit(self, mirror: _Mirror, sha: str, asked: str) -> str:
        """`sha` once the mirror has it, fetching at most once; SourceError otherwise."""
        # A fetch in progress writes the commit before its trees: while one runs, the
        # commit being there proves nothing, so wait for it below.
        if mirror.reader.object_type(sha) == "commit" and not mirror.fetch_lock.locked():
            return sha
        with mirror.fetch_lock:
            # Another thread may have fetched while this one waited for the lock.
            if mirror.reader.object_type(sha) != "commit":
                self._fetch(mirror)
        kind = mirror.reader.object_type(sha)
        if kind != "commit":
            raise SourceError(
                f"revision {asked!r} not found in {redact_url(self._remote_url(mirror))}"
            )
        return sha

    def _resolve_short(self, mirror: _Mirror, rev: str) -> str:
        for attempt in range(2):
            found = self._rev_parse(mirror, rev)
            if found:
                return found
            if attempt == 0:
                with mirror.fetch_lock:
                    self._fetch(mirror)
        raise SourceError(f"revision {rev!r} not found in {redact_url(self._remote_url(mirror))}")

    def _rev_parse(self, mirror: _Mirror, rev: str) -> str | None:
        try:
            out = run_git(
                mirror.path,
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                what=f"resolve {rev}",
            )
        except SourceError:
            return None
        text = out.decode().strip()
        return text if _FULL_SHA.match(text) else None


def _match_ref(refs: dict[str, str], rev: str) -> str | None:
    """The commit a ref name points to, peeling annotated tags; branches win over tags."""
    if rev == "HEAD":
        return refs.get("HEAD")
    names = [rev] if rev.startswith("refs/") else [f"refs/heads/{rev}", f"refs/tags/{rev}"]
    for name in names:
        if name in refs:
            return refs.get(f"{name}^{{}}", refs[name])
    return None
