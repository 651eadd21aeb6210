"""Reading the health fixtures: tests/fixtures/health/<kind>/<status>_<case>.yaml.

A fixture may say what the health message must contain with a comment line
``# expect-message: <substring>`` (several lines: all must be found).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitsync.model.enums import HealthStatus

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "health"
_EXPECT = "# expect-message:"


@dataclass(frozen=True)
class HealthFixture:
    path: Path
    obj: dict[str, Any]
    status: HealthStatus
    messages: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def _status_from_name(path: Path) -> HealthStatus:
    prefix = path.stem.split("_", 1)[0]
    for status in HealthStatus:
        if status.value.lower() == prefix:
            return status
    raise ValueError(f"{path}: file name must start with a health status, got {prefix!r}")


def read(path: Path) -> HealthFixture:
    text = path.read_text(encoding="utf-8")
    messages = tuple(
        line[len(_EXPECT) :].strip() for line in text.splitlines() if line.startswith(_EXPECT)
    )
    obj = yaml.load(text, Loader=yaml.CSafeLoader)
    return HealthFixture(path, obj, _status_from_name(path), messages)


def all_fixtures() -> list[HealthFixture]:
    return [read(p) for p in sorted(FIXTURES.glob("*/*.yaml"))]


def load(relative: str) -> dict[str, Any]:
    """One fixture's object, e.g. ``load("rollout/progressing_paused_bluegreen")``."""
    obj: dict[str, Any] = read(FIXTURES / f"{relative}.yaml").obj
    return obj
