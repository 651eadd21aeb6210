"""Parsed documents -> Manifests: Lists flattened, each named by where it came from."""

from __future__ import annotations

from typing import Any

from gitsync.model import Manifest


def is_list(obj: Any) -> bool:
    """A ``kind: List`` (or ``*List``) document whose items are the real objects."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("kind"), str)
        and obj["kind"].endswith("List")
        and isinstance(obj.get("items"), list)
    )


def manifests_from_documents(documents: list[tuple[int, Any]], name: str) -> list[Manifest]:
    """`name` alone for a file of one document, ``name#<index>`` when it holds several."""
    multi = len(documents) > 1
    result: list[Manifest] = []
    for index, obj in documents:
        source = f"{name}#{index}" if multi else name
        if is_list(obj):
            prefix = f"{source}." if multi else f"{name}#"
            for position, item in enumerate(obj["items"]):
                if item is not None:
                    result.append(Manifest.from_object(item, f"{prefix}items[{position}]"))
        else:
            result.append(Manifest.from_object(obj, source))
    return result
