"""The resource bounds of one template execution (templates come from Git: hostile)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Defaults fit a 2-core / 24 GB controller rendering thousands of templates."""

    max_output_bytes: int = 1 << 20
    """Characters one execution may write, and the size of any one string it builds."""
    max_iterations: int = 100_000
    """Range iterations (all loops of one execution together) and list sizes."""
    max_parse_depth: int = 150
    """Nesting of parentheses and control structures in the template text."""
    max_template_depth: int = 50
    """Nested ``template``/``block``/``tpl`` calls (recursion)."""
    max_template_bytes: int = 1 << 20
    """Size of the template text itself."""


DEFAULT_LIMITS = Limits()
