"""Argo CD's name helpers: `normalize` (DNS-1123 subdomain) and `slugify`."""

from __future__ import annotations

import re

_INVALID_DNS = re.compile(r"[^-a-z0-9.]")
_MAX_DNS_NAME = 253


def normalize_name(name: str) -> str:
    """Lower case, every character outside ``[-a-z0-9.]`` becomes ``-``, at most 253
    characters, no leading or trailing ``-`` or ``.`` (Argo CD's SanitizeName)."""
    cleaned = _INVALID_DNS.sub("-", name.lower())[:_MAX_DNS_NAME]
    return cleaned.strip("-.")


def slugify(name: str, max_size: int = 50, smart_truncate: bool = True) -> str:
    """A URL-safe slug of the normalised name: words joined by ``-``, at most `max_size`
    characters; smart truncation cuts at a word boundary."""
    words = [w for w in re.split(r"[^a-z0-9]+", normalize_name(name)) if w]
    slug = "-".join(words)
    if max_size <= 0 or len(slug) <= max_size:
        return slug
    if not smart_truncate:
        return slug[:max_size].strip("-")
    kept = ""
    for word in words:
        candidate = f"{kept}-{word}" if kept else word
        if len(candidate) > max_size:
            break
        kept = candidate
    return kept or slug[:max_size]
