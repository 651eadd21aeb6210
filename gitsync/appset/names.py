"""Argo CD's name helpers (`normalize`, `slugify`), shared with the goTemplate functions."""

from __future__ import annotations

from gitsync.gotemplate.names import normalize_name, slugify

__all__ = ["normalize_name", "slugify"]
