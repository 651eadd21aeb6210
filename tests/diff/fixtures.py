"""Loading the YAML fixture cases under tests/fixtures/diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diff"


def cases(kind: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / kind).iterdir() if p.is_dir())


def load(case: Path, name: str) -> Any:
    path = case / f"{name}.yaml"
    if not path.exists():
        return None
    return yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
