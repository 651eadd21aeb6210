"""Tree providers for the git generator: Git through RepoCache, local directories as-is.

This is the one part of the package that does I/O (when a provider is called); the
generators only see the Tree it returns.
"""

from __future__ import annotations

import os
from pathlib import Path

from gitsync.appset.context import TreeProvider
from gitsync.source.localtree import LocalTree
from gitsync.source.repocache import RepoCache
from gitsync.source.tree import Tree


def repo_tree_provider(
    cache: RepoCache, *, repo_override: str | None = None, revision_override: str | None = None
) -> TreeProvider:
    """Trees by (repoURL, revision), remembered for the provider's lifetime.

    `repo_override` replaces every generator's repoURL (e.g. a local clone while
    testing). A repoURL (or override) that is a local directory is read as it is on disk,
    uncommitted changes included, unless `revision_override` asks for a commit; a
    ``file://`` URL is always read through Git at the revision.
    """
    seen: dict[tuple[str, str], Tree] = {}

    def provide(repo_url: str, revision: str) -> Tree:
        url = repo_override or repo_url
        rev = revision_override or revision or "HEAD"
        key = (url, rev)
        if key not in seen:
            local = _local_directory(url)
            if local is not None and revision_override is None:
                seen[key] = LocalTree(local)
            else:
                target = str(local) if local is not None else url
                seen[key] = cache.tree(target, cache.resolve(target, rev))
        return seen[key]

    return provide


def _local_directory(url: str) -> Path | None:
    if "://" in url or url.startswith("git@"):
        return None
    path = Path(os.path.expanduser(url))
    return path if path.is_dir() else None
