"""The merge generator: the first child's param sets, overridden by later children's
sets that share the values of `mergeKeys`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.combine import override
from gitsync.appset.templating import Params

_MISSING = object()


def generate_merge(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    keys = spec.get("mergeKeys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise FieldError(f"{field}.mergeKeys", "needs at least one key (a list of strings)")
    children = spec.get("generators")
    if not isinstance(children, list) or len(children) < 2:
        count = len(children) if isinstance(children, list) else 0
        raise FieldError(f"{field}.generators", f"needs at least two generators, got {count}")
    assert ctx.run_child is not None
    merge_keys = sorted(set(keys))
    base = ctx.run_child(children[0], ctx, f"{field}.generators[0]", None)
    base_keys = [_key(p, merge_keys) for p in base]
    _require_unique(base_keys, f"{field}.generators[0]")
    merged = dict(zip(base_keys, base, strict=True))
    for index, child in enumerate(children[1:], start=1):
        where = f"{field}.generators[{index}]"
        sets = ctx.run_child(child, ctx, where, None)
        child_keys = [_key(p, merge_keys) for p in sets]
        _require_unique(child_keys, where)
        for key, params in zip(child_keys, sets, strict=True):
            if key in merged:
                merged[key] = override(merged[key], params, deep=ctx.go_template)
    return [merged[key] for key in base_keys]


def _key(params: Params, keys: list[str]) -> str:
    return json.dumps({k: _lookup(params, k) for k in keys}, sort_keys=True, default=str)


def _lookup(params: Mapping[str, Any], key: str) -> Any:
    if key in params:
        return params[key]
    current: Any = params
    for part in key.split("."):  # goTemplate params are nested: "path.basename"
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _require_unique(keys: list[str], field: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise FieldError(field, f"two param sets share the merge key values {key}")
        seen.add(key)
