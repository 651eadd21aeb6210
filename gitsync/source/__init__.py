"""Git access: bare mirrors, revision -> SHA, read-only trees at a SHA, credentials."""

from gitsync.source.credentials import Credentials, helm_credentials_from_env
from gitsync.source.gittree import GitTree
from gitsync.source.helmrepo import ChartTree, HelmRepoCache, HelmRepoStats
from gitsync.source.localtree import LocalTree
from gitsync.source.paths import clean_path, join_path
from gitsync.source.repocache import RepoCache, SourceStats, default_cache_dir
from gitsync.source.semver import Constraint, best_match, parse_constraint
from gitsync.source.tree import Tree
from gitsync.source.unreadable import UnreadableFileError
from gitsync.source.urls import normalize_repo_url, redact_url

__all__ = [
    "ChartTree",
    "Constraint",
    "Credentials",
    "GitTree",
    "HelmRepoCache",
    "HelmRepoStats",
    "LocalTree",
    "RepoCache",
    "SourceStats",
    "Tree",
    "UnreadableFileError",
    "best_match",
    "clean_path",
    "default_cache_dir",
    "helm_credentials_from_env",
    "join_path",
    "normalize_repo_url",
    "parse_constraint",
    "redact_url",
]
