"""Comparing one predicted object with its live counterpart (pure: no I/O)."""

from __future__ import annotations

from typing import Any

from gitsync.diff.compare import changed_paths
from gitsync.diff.ignore import IgnoreDifferences, paths_to_ignore
from gitsync.diff.mask import mask_secret_pair
from gitsync.diff.normalize import is_secret, normalize
from gitsync.diff.paths import remove_paths
from gitsync.diff.result import ResourceDiff
from gitsync.diff.unified import unified_diff
from gitsync.model.enums import SyncStatus
from gitsync.model.keys import ResourceKey

NO_RULES = IgnoreDifferences()


def diff_objects(
    predicted: dict[str, Any] | None,
    live: dict[str, Any] | None,
    key: ResourceKey,
    *,
    ignore: IgnoreDifferences = NO_RULES,
    mask_secrets: bool = True,
) -> ResourceDiff:
    """Compare what the cluster would hold after applying (`predicted`) with `live`.

    `predicted` None: the resource is live but not in Git (RequiresPruning); `live` None:
    it is Missing. Both are normalised, then fields ignored for `key` are removed from
    both; a Secret is masked before any text is made from it.
    """
    patterns = ignore.ignored_patterns(key, live)
    sides: list[dict[str, Any] | None] = []
    for obj in (predicted, live):
        if obj is None:
            sides.append(None)
            continue
        normal = normalize(obj)
        if patterns:
            remove_paths(normal, paths_to_ignore(normal, patterns))
        sides.append(normal)
    want, have = sides

    if want is None and have is None:
        return ResourceDiff(key, SyncStatus.SYNCED)
    if want is None:
        status = SyncStatus.REQUIRES_PRUNING
        paths = [""]
    elif have is None:
        status = SyncStatus.MISSING
        paths = [""]
    else:
        paths = changed_paths(have, want)
        status = SyncStatus.OUT_OF_SYNC if paths else SyncStatus.SYNCED
    if status is SyncStatus.SYNCED:
        return ResourceDiff(key, status)

    if mask_secrets and any(obj is not None and is_secret(obj) for obj in (want, have)):
        want, have = mask_secret_pair(want, have)
    return ResourceDiff(key, status, unified_diff(have, want, str(key)), paths)
