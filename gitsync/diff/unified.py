"""Unified text diff of two objects as YAML (C dumper; keys sorted so output is stable)."""

from __future__ import annotations

import difflib
from typing import Any

import yaml


def to_yaml(obj: Any) -> str:
    if obj is None:
        return ""
    return yaml.dump(obj, Dumper=yaml.CSafeDumper, default_flow_style=False, sort_keys=True)


def unified_diff(a: Any, b: Any, name: str) -> str:
    """``--- live/<name>`` / ``+++ desired/<name>`` diff of `a` (live) and `b` (desired).

    Empty when both dump to the same YAML. Callers mask Secrets before calling this.
    """
    lines = difflib.unified_diff(
        to_yaml(a).splitlines(keepends=True),
        to_yaml(b).splitlines(keepends=True),
        fromfile=f"live/{name}",
        tofile=f"desired/{name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
