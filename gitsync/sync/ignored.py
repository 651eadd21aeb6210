"""``RespectIgnoreDifferences=true``: fields the app ignores keep their live values on sync."""

from __future__ import annotations

import copy
from typing import Any

from gitsync.diff import IgnoreDifferences
from gitsync.diff.paths import evaluate, lookup, remove_paths
from gitsync.model.keys import ResourceKey


def respect_ignored(
    desired: dict[str, Any],
    live: dict[str, Any] | None,
    key: ResourceKey,
    rules: IgnoreDifferences,
) -> dict[str, Any]:
    """`desired` with ignored fields taken from `live` (or dropped when live lacks them).

    Taking the live value (rather than leaving the field out) keeps a server-side apply
    from removing a field gitsync applied before.
    """
    if live is None:
        return desired
    patterns = rules.ignored_patterns(key, live)
    if not patterns:
        return desired
    out = copy.deepcopy(desired)
    remove_paths(out, [p for pattern in patterns for p in evaluate(out, pattern)])
    for pattern in patterns:
        for path in evaluate(live, pattern):
            _set(out, path, copy.deepcopy(lookup(live, path)))
    return out


def _set(obj: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    current: Any = obj
    for index, part in enumerate(path[:-1]):
        nxt = path[index + 1]
        if isinstance(current, dict) and isinstance(part, str):
            current = current.setdefault(part, [] if isinstance(nxt, int) else {})
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return  # a list item desired does not have: leave it to the server
    last = path[-1]
    fits_dict = isinstance(current, dict) and isinstance(last, str)
    fits_list = isinstance(current, list) and isinstance(last, int) and last < len(current)
    if fits_dict or fits_list:
        current[last] = value
