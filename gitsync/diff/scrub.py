"""Errors about a Secret, with its values taken out of the message.

An API server's validation message can quote the offending value; for a Secret that
value must not reach a terminal or a log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import Any

from gitsync.diff.mask import MASK_SAME
from gitsync.errors import KubeError


def secret_values(secret: dict[str, Any]) -> set[str]:
    """Every value of data/stringData, as given and decoded (non-empty ones only)."""
    values: set[str] = set()
    for field in ("data", "stringData"):
        entries = secret.get(field)
        if not isinstance(entries, dict):
            continue
        for value in entries.values():
            text = "" if value is None else str(value)
            values.add(text)
            if field == "data":
                with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                    values.add(base64.b64decode(text, validate=True).decode())
    values.discard("")
    return values


def scrub_text(text: str, secret: dict[str, Any]) -> str:
    # Longest first, so a value that contains another is replaced whole.
    for value in sorted(secret_values(secret), key=len, reverse=True):
        text = text.replace(value, MASK_SAME)
    return text


def scrub_secret_error(err: KubeError, secret: dict[str, Any]) -> KubeError:
    """A copy of `err` (same class, same status) whose message holds no Secret value."""
    # str(err) already carries the resource name, so it is not passed again.
    return type(err)(scrub_text(str(err), secret), status=err.status)
