"""Live objects kept for long (the watch caches) with their strings shared.

Thousands of cached objects repeat the same keys ("metadata", "f:spec", ...) and many of
the same short values ("apps/v1", "True", a namespace): a JSON decoder makes a new string
for each. Sharing them (`sys.intern`) takes about a third off a cached object's memory.
"""

from __future__ import annotations

import sys
from typing import Any

# Values longer than this are rarely repeated (timestamps, UIDs, data): kept as they are.
SHARED_VALUE_LENGTH = 40


def compact(value: Any) -> Any:
    """`value` rebuilt with its mapping keys and short string values interned."""
    if isinstance(value, dict):
        return {(sys.intern(k) if type(k) is str else k): compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compact(v) for v in value]
    if type(value) is str and len(value) <= SHARED_VALUE_LENGTH:
        return sys.intern(value)
    return value
