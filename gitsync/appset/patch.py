"""`templatePatch` as Argo CD applies it: a strategic merge against the Application's
schema, then the template's `spec.project` restored.

The Application type declares merge keys only where it embeds Kubernetes'
ObjectMeta: `metadata.finalizers` merges as a set and `metadata.ownerReferences`
merges by `uid`. Every other list (`helm.parameters`, `syncOptions`,
`ignoreDifferences`, `sources`, ...) is replaced by the patch's list. Mappings merge
key by key, a null removes the key, and ``$patch: replace`` / ``$patch: delete`` in a
mapping replace or remove it, as Kubernetes' strategic merge does. The project is a
security boundary between teams: a patch rendered from generator parameters must not
move an Application into another project, so it is put back after the merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# path (mapping keys from the Application's root) -> merge key ("" merges scalars as a set)
_MERGE_LISTS: dict[tuple[str, ...], str] = {
    ("metadata", "finalizers"): "",
    ("metadata", "ownerReferences"): "uid",
}
_DIRECTIVE = "$patch"


def strategic_merge(base: Any, patch: Any) -> Any:
    """`base` (a rendered Application) with `patch` applied; the project is restored."""
    merged = _merge(base, patch, ())
    if isinstance(base, Mapping) and isinstance(merged, dict):
        _restore_project(base, merged)
    return merged


def _restore_project(base: Mapping[str, Any], merged: dict[str, Any]) -> None:
    spec = base.get("spec")
    new_spec = merged.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(new_spec, dict):
        return
    if "project" in spec:
        new_spec["project"] = spec["project"]
    else:
        new_spec.pop("project", None)


def _merge(base: Any, patch: Any, path: tuple[str, ...]) -> Any:
    if isinstance(patch, Mapping):
        directive = patch.get(_DIRECTIVE)
        body = {k: v for k, v in patch.items() if k != _DIRECTIVE}
        if directive == "delete":
            return None
        if directive == "replace" or not isinstance(base, Mapping):
            return _without_nulls(body)
        result = dict(base)
        for key, value in body.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                merged = _merge(result[key], value, (*path, str(key)))
                if merged is None:
                    result.pop(key, None)
                else:
                    result[key] = merged
            else:
                result[key] = _without_nulls(value)
        return result
    if isinstance(patch, list) and isinstance(base, list) and path in _MERGE_LISTS:
        return _merge_list(base, patch, _MERGE_LISTS[path], path)
    return _without_nulls(patch)


def _merge_list(base: list[Any], patch: list[Any], key: str, path: tuple[str, ...]) -> list[Any]:
    if not key:
        merged = list(base)
        merged.extend(item for item in patch if item not in merged)
        return merged
    merged = list(base)
    positions = {
        item[key]: index
        for index, item in enumerate(merged)
        if isinstance(item, Mapping) and key in item
    }
    for item in patch:
        if isinstance(item, Mapping) and item.get(key) in positions:
            index = positions[item[key]]
            merged[index] = _merge(merged[index], item, path)
        else:
            merged.append(_without_nulls(item))
    return [item for item in merged if item is not None]


def _without_nulls(value: Any) -> Any:
    """A value added by the patch, its null fields and directives dropped."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None and k != _DIRECTIVE}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
