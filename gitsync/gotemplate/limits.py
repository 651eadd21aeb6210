"""The resource bounds of one template execution (templates come from Git: hostile)."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gitsync.gotemplate.errors import TemplateBoundError


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

CURRENT_LIMITS: contextvars.ContextVar[Limits] = contextvars.ContextVar(
    "gotemplate_limits", default=DEFAULT_LIMITS
)


def check_tree(value: Any, what: str) -> Any:
    """Bound the values a traversal of `value` visits and the characters of its strings.
    Shared references make a small structure stand for a huge one (a dict holding itself
    twice, 40 times over, is 2**40 values; a list of one 1 MiB string 100,000 times is
    100 GB of text), so printing, comparing, merging or decoding one counts every visit."""
    if isinstance(value, str):
        return value
    limits = CURRENT_LIMITS.get()
    limit = 2 * limits.max_iterations  # containers and their items
    chars = 0
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            raise TemplateBoundError(
                f"{what}: a value of more than {limit} items (bound: template loop iterations)"
            )
        if isinstance(item, str):
            chars += len(item)
            if chars > limits.max_output_bytes:
                raise TemplateBoundError(
                    f"{what}: values of more than {limits.max_output_bytes} characters "
                    "(bound: template output size)"
                )
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return value
