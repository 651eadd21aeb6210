"""Version constraints from a YAML table of cases, plus the refused ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.errors import SourceError
from gitsync.source.semver import Version, best_match, parse_constraint, sort_versions

FIXTURE = Path(__file__).parent.parent / "fixtures" / "semver" / "cases.yaml"
TABLE: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())


def _label(case: dict[str, Any]) -> str:
    return f"{case['constraint']!r}->{case['expected']}"


@pytest.mark.parametrize("case", TABLE["cases"], ids=_label)
def test_best_match(case: dict[str, Any]) -> None:
    versions = [str(v) for v in case["versions"]]
    expected = None if case["expected"] is None else str(case["expected"])
    assert best_match(versions, case["constraint"]) == expected
    # The answer does not depend on the order the repository lists its versions in.
    assert best_match(list(reversed(versions)), case["constraint"]) == expected


@pytest.mark.parametrize("text", TABLE["errors"])
def test_bad_constraint_is_one_line_naming_it(text: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_constraint(text)
    message = str(caught.value)
    assert "\n" not in message
    assert repr(text) in message
    with pytest.raises(SourceError):
        best_match(["1.0.0"], text)


def test_constraint_matches_single_versions() -> None:
    constraint = parse_constraint("^1.2")
    assert constraint.matches("1.2.0")
    assert constraint.matches("v1.9")
    assert not constraint.matches("2.0.0")
    assert not constraint.matches("1.5.0-rc.1")
    assert not constraint.matches("not-a-version")
    assert constraint.text == "^1.2"


def test_version_parse_coerces_like_helm() -> None:
    parsed = Version.parse("v1.2")
    assert parsed is not None
    assert (parsed.major, parsed.minor, parsed.patch, parsed.prerelease) == (1, 2, 0, ())
    assert str(Version.parse("1.0.0-rc.1+abc")) == "1.0.0-rc.1"
    for bad in ("", "1.2.3.4", "1.0.0-01", "x", "1.0.0-", "1.0.0+"):
        assert Version.parse(bad) is None


def test_sort_versions_highest_first_without_junk() -> None:
    listed = ["1.0.0", "junk", "2.0.0-rc.1", "1.10.0", "2.0.0", "1.9.0"]
    assert sort_versions(listed) == ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.9.0", "1.0.0"]
