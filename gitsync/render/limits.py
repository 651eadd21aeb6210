"""Bounds on what one commit can make gitsync do: sizes, counts, depth, memory and time.

Everything read from Git is hostile until bounded. One `Limits` value travels from the
command line (or `gitsync serve`'s settings) to the renderer and the ApplicationSet
generators; exceeding a bound raises `LimitExceeded`, one line naming the bound (by its
flag), the file and, where known, the app. Defaults fit a 2-core/24 GB machine running
four reconciles at once; docs/limits.md lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitsync.errors import GitsyncError

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?)?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "ki": KiB, "mi": MiB, "gi": GiB}


class LimitExceeded(GitsyncError):
    """A bound of `Limits` was hit. `bound` is the setting's flag name without dashes,
    e.g. ``max-manifest-bytes``; the message says where and how far."""

    def __init__(self, message: str, bound: str) -> None:
        self.bound = bound
        super().__init__(message)

    def within(self, where: str) -> LimitExceeded:
        """The same error with `where` (an app, a file) in front, unless already named."""
        text = str(self)
        if not where or text.startswith(f"{where}: "):
            return self
        return LimitExceeded(f"{where}: {text}", self.bound)


@dataclass(frozen=True)
class Limits:
    """Every bound on input from Git; see docs/limits.md."""

    # YAML/JSON bytes one app source may read or render, YAML aliases counted expanded.
    max_manifest_bytes: int = 16 * MiB
    # Objects (documents, and items of List documents) one app source may render.
    max_documents: int = 10_000
    # Alias references (``*name``) in one YAML file.
    max_yaml_aliases: int = 10_000
    # Nested mappings/sequences (YAML) or objects/arrays (JSON) in one document.
    max_nesting_depth: int = 128
    # Applications one ApplicationSet may generate (and param sets a matrix may build).
    max_generated_apps: int = 10_000
    # Address space (RLIMIT_AS) of the child process that runs Helm, Jsonnet, Kustomize.
    render_memory_limit: int = 2 * GiB
    # Seconds one such child may run before it is killed.
    render_timeout: float = 120.0

    def exceeded(self, bound: str, what: str, where: str = "") -> LimitExceeded:
        """``<where>: <what>: exceeds <bound> (<its value>)``."""
        limit = getattr(self, bound.replace("-", "_"))
        shown = _shown(bound, limit)
        prefix = f"{where}: " if where else ""
        return LimitExceeded(f"{prefix}{what}: exceeds {bound} ({shown})", bound)


DEFAULT_LIMITS = Limits()


def _shown(bound: str, value: float) -> str:
    if bound.endswith(("bytes", "memory-limit")):
        return format_bytes(int(value))
    if bound.endswith("timeout"):
        return f"{value:g}s"
    return f"{int(value):,}"


def format_bytes(count: int) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if count >= size:
            return f"{count / size:.1f} {unit}".replace(".0 ", " ")
    return f"{count} bytes"


def parse_size(text: str | int, what: str) -> int:
    """``64Mi``, ``2Gi``, ``500M``, ``1048576`` -> bytes (Kubernetes quantity suffixes)."""
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"invalid {what} {text!r} (e.g. 512Mi, 2Gi, 1048576)")
    number, unit = match.groups()
    return int(float(number) * _UNITS[(unit or "").lower()])


class Budget:
    """What one app source has used of its bounds so far, charged file by file, so a
    source of many files stops at the file that crosses a bound, not after all of them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.bytes = 0
        self.objects = 0

    def charge(self, name: str, size: int, objects: int) -> None:
        """`name` (a file, or a tool's output) adds `size` bytes and `objects` objects."""
        self.bytes += size
        self.objects += objects
        where = name
        if self.bytes > self.limits.max_manifest_bytes:
            raise self.limits.exceeded(
                "max-manifest-bytes", f"manifests reach {format_bytes(self.bytes)}", where
            )
        if self.objects > self.limits.max_documents:
            raise self.limits.exceeded(
                "max-documents", f"manifests reach {self.objects:,} objects", where
            )
