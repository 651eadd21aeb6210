"""Secret masking: values are replaced before any text about a Secret is produced.

The same value on both sides masks to the same string, different values to different
strings, so a diff still shows *which* keys changed and never what they contain.
"""

from __future__ import annotations

from typing import Any

MASK_SAME = "++++++++"
MASK_OTHER = "--------"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SECRET_FIELDS = ("data", "stringData")


def mask_secret_pair(
    desired: dict[str, Any] | None, live: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Masked copies of two versions of a Secret (either may be None).

    A key whose value differs gets ``++++++++`` on the desired side and ``--------`` live.
    """
    masked_desired = _shallow_masked(desired)
    masked_live = _shallow_masked(live)
    for field in _SECRET_FIELDS:
        ours = _mapping(desired, field)
        theirs = _mapping(live, field)
        if masked_desired is not None and ours is not None:
            masked_desired[field] = dict.fromkeys(ours, MASK_SAME)
        if masked_live is not None and theirs is not None:
            masked_live[field] = {
                key: MASK_SAME
                if ours is not None and key in ours and ours[key] == value
                else MASK_OTHER
                for key, value in theirs.items()
            }
    return masked_desired, masked_live


def is_secret(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def mask_secret(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` with a Secret's values masked (keys kept); any other object as it is."""
    if not is_secret(obj):
        return obj
    masked, _ = mask_secret_pair(obj, None)
    assert masked is not None
    return masked


def _mapping(obj: dict[str, Any] | None, field: str) -> dict[str, Any] | None:
    value = obj.get(field) if obj is not None else None
    return value if isinstance(value, dict) else None


def _shallow_masked(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    # Copies only what masking replaces; callers pass normalised copies anyway.
    if obj is None:
        return None
    result = dict(obj)
    meta = result.get("metadata")
    if isinstance(meta, dict):
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            # kubectl's record of the last apply holds the Secret's data in clear.
            result["metadata"] = {**meta, "annotations": {**annotations, LAST_APPLIED: MASK_SAME}}
    for field in _SECRET_FIELDS:
        if field in result and not isinstance(result[field], dict):
            result[field] = MASK_SAME
    return result
