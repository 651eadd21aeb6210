"""Argo CD's name helpers: `normalize` (DNS-1123 subdomain) and `slugify`."""

from __future__ import annotations

import re

_INVALID_DNS = re.compile(r"[^-a-z0-9.]")
_MAX_DNS_NAME = 253
_NOT_SLUG = re.compile(r"[^a-zA-Z0-9\-_]")
_MULTIPLE_DASHES = re.compile(r"-+")


def go_lower(text: str) -> str:
    """strings.ToLower: one rune for one rune (Python's "İ".lower() is two)."""
    if text.isascii():
        return text.lower()
    return "".join(c.lower()[0] if len(c.lower()) > 1 else c.lower() for c in text)


def go_upper(text: str) -> str:
    """strings.ToUpper: a rune without a one-rune upper case ("ß") stays as it is."""
    if text.isascii():
        return text.upper()
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in text)


def go_title_rune(char: str) -> str:
    """unicode.ToTitle of one rune."""
    titled = char.title()
    return titled if len(titled) == 1 else char


def normalize_name(name: str) -> str:
    """Lower case, every character outside ``[-a-z0-9.]`` becomes ``-``, at most 253
    characters, no leading or trailing ``-`` or ``.`` (Argo CD's SanitizeName)."""
    cleaned = _INVALID_DNS.sub("-", go_lower(name))[:_MAX_DNS_NAME]
    return cleaned.strip("-.")


def slugify(name: str, max_size: int = 50, smart_truncate: bool = True) -> str:
    """Argo CD's slugify: the normalised name made a URL slug (gosimple/slug): characters
    outside ``[a-zA-Z0-9_-]`` become ``-``, dashes collapse, at most `max_size`
    characters; smart truncation cuts at the last ``-`` that fits, otherwise the text is
    cut at `max_size` before dashes are collapsed."""
    slug = normalize_name(name)
    if not smart_truncate and len(slug) >= max_size:
        slug = slug[: max(max_size, 0)]
    slug = _MULTIPLE_DASHES.sub("-", _NOT_SLUG.sub("-", slug)).strip("-_")
    if max_size > 0 and smart_truncate and len(slug) > max_size:
        cut = slug.rfind("-", 0, max_size + 1)
        slug = slug[:cut] if cut >= 0 else slug[:max_size]
    return slug
