"""Desired vs live: normalise, ignore what the app says to ignore, mask Secrets, compare.

The pure core (`normalize`, `diff_objects`, `live_satisfies`, `unified_diff`,
`IgnoreDifferences`) does no I/O; `LiveDiffer` (gitsync.diff.live) talks to a cluster.
"""

from gitsync.diff.compare import changed_paths
from gitsync.diff.core import diff_objects
from gitsync.diff.ignore import IgnoreDifferences, IgnoreRule
from gitsync.diff.jqpath import JqSyntaxError, parse_jq_path
from gitsync.diff.noop import apply_is_noop
from gitsync.diff.normalize import normalize
from gitsync.diff.result import AppDiff, ResourceDiff
from gitsync.diff.satisfies import live_satisfies
from gitsync.diff.unified import unified_diff

__all__ = [
    "AppDiff",
    "IgnoreDifferences",
    "IgnoreRule",
    "JqSyntaxError",
    "ResourceDiff",
    "apply_is_noop",
    "changed_paths",
    "diff_objects",
    "live_satisfies",
    "normalize",
    "parse_jq_path",
    "unified_diff",
]
