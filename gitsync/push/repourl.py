"""Repository URL matching for webhooks, over `gitsync.source`'s canonical URL form.

``https://github.com/Org/Repo``, ``git@github.com:org/repo.git`` and
``ssh://git@ssh.github.com:443/org/repo`` are one repository; local repositories
(``file://`` URLs and plain paths) compare by their absolute, lexically normalised path,
without resolving symlinks (see `gitsync.source.urls`).
"""

from __future__ import annotations

from gitsync.source.urls import normalize_repo_url

__all__ = ["normalize_repo_url", "same_repo"]


def same_repo(a: str, b: str) -> bool:
    """True when two URLs name the same repository after normalisation."""
    return normalize_repo_url(a) == normalize_repo_url(b)
