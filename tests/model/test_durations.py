from __future__ import annotations

import pytest

from gitsync.durations import format_duration, parse_duration
from gitsync.errors import UserInputError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("500ms", 0.5),
        ("30s", 30.0),
        ("3m", 180.0),
        ("2m30s", 150.0),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        (7, 7.0),
    ],
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "5x", "3m junk", "-1", "m5"])
def test_parse_duration_rejects_with_the_name(text: str) -> None:
    with pytest.raises(UserInputError, match="invalid timeout"):
        parse_duration(text, what="timeout")


def test_format_duration() -> None:
    assert format_duration(0.85) == "850ms"
    assert format_duration(12.34) == "12.3s"
    assert format_duration(245) == "4m05s"
    assert format_duration(3 * 3600 + 120) == "3h02m"
