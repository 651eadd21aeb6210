"""Would applying `desired` change nothing in `live`? (Pure; used to skip no-op applies.)"""

from __future__ import annotations

from typing import Any

from gitsync.diff.normalize import fold_string_data, is_secret


def live_satisfies(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """True when every field `desired` sets holds the same value in `live`.

    Mappings are compared key by key (extra live keys, e.g. server defaults, are fine).
    Lists whose desired items all have a ``name`` are matched by name, in the same
    relative order (extra live items are fine). Other lists must have the same length,
    each desired item satisfied by the live item at its index. A Secret's ``stringData``
    is compared as the ``data`` it becomes.
    """
    if is_secret(desired) and "stringData" in desired:
        desired = dict(desired)
        fold_string_data(desired)
    return _satisfies(desired, live)


def _satisfies(want: Any, have: Any) -> bool:
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return False
        for key, value in want.items():
            if key not in have:
                if value is None:
                    continue  # null in an apply means "absent"
                return False
            if not _satisfies(value, have[key]):
                return False
        return True
    if isinstance(want, list):
        if not isinstance(have, list):
            return False
        if want and all(isinstance(i, dict) and "name" in i for i in want):
            return _named_items_satisfied(want, have)
        return len(want) == len(have) and all(
            _satisfies(w, h) for w, h in zip(want, have, strict=True)
        )
    if want is None:
        return have is None
    if isinstance(want, bool) or isinstance(have, bool):
        return type(want) is type(have) and want == have
    return bool(want == have)


def _named_items_satisfied(want: list[dict[str, Any]], have: list[Any]) -> bool:
    positions: dict[Any, int] = {}
    for index, item in enumerate(have):
        if isinstance(item, dict) and "name" in item:
            positions.setdefault(_hashable(item["name"]), index)
    last = -1
    for item in want:
        found = positions.get(_hashable(item["name"]))
        if found is None or found <= last or not _satisfies(item, have[found]):
            return False
        last = found
    return True


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
