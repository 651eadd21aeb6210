"""The default template mode: Argo CD's fasttemplate substitution.

``{{name}}`` (whitespace inside the braces allowed) becomes the value of the string
parameter `name`; a tag that names no string parameter stays as written, braces and all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.appset.errors import FieldError

_OPEN = "{{"
_CLOSE = "}}"


def render_fast(text: str, params: Mapping[str, Any], field: str) -> str:
    start = text.find(_OPEN)
    if start < 0 or text.find(_CLOSE, start + 2) < 0:
        return text  # nothing that looks templated (Argo CD leaves it alone too)
    out: list[str] = []
    pos = 0
    while True:
        start = text.find(_OPEN, pos)
        if start < 0:
            out.append(text[pos:])
            break
        end = text.find(_CLOSE, start + 2)
        if end < 0:
            raise FieldError(field, f"unclosed '{{{{' in template {text!r}")
        out.append(text[pos:start])
        tag = text[start + 2 : end]
        value = params.get(tag.strip())
        out.append(value if tag.strip() and isinstance(value, str) else f"{{{{{tag}}}}}")
        pos = end + 2
    return "".join(out)
