"""Fuzzing the manifest loader: whatever the bytes, the result is documents or one of our
errors (ManifestError, LimitExceeded), never another exception, and memory stays bounded:
the documents it returns can be walked (serialised) within the size bound."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitsync.errors import ManifestError
from gitsync.render.limits import LimitExceeded, Limits, MiB
from gitsync.render.parse import DocumentParser

LIMITS = Limits(max_manifest_bytes=256 * 1024, max_yaml_aliases=500, max_nesting_depth=24)
BUDGET = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Pieces of YAML that reach every path of the loader: anchors and aliases (also nested
# and recursive), merge keys, tags, flow and block collections, several documents.
PIECES = [
    "&a ",
    "&b ",
    "&c ",
    "*a",
    "*b",
    "*c",
    "<<: ",
    "<<: [*a, *b]",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    "- ",
    "\n",
    "  ",
    "    ",
    "---\n",
    "...\n",
    "? ",
    "!!set ",
    "!!omap ",
    "!!binary aGk=",
    "!!str ",
    "!!int ",
    "!custom ",
    "x",
    "1",
    "0x1F",
    "2024-01-02",
    "true",
    "~",
    "'q'",
    '"\\u00e9"',
    "# c\n",
    "|\n  text\n",
    "[*a, *a, *a, *a]",
    "{k: *a, l: *a}",
    "a: &a [1, 2]\n",
    "b: &b [*a, *a, *a]\n",
    "\t",
    "%YAML 1.1\n",
]
YAML_TEXT = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=40,
)


def parse_bounded(data: bytes, name: str) -> None:
    tracemalloc.start()
    try:
        try:
            documents = DocumentParser(limits=LIMITS).parse(data, name)
        except (ManifestError, LimitExceeded) as err:
            assert "\n" not in str(err)
            return
        text = json.dumps([doc for _, doc in documents], default=str, skipkeys=True)
        assert len(text) <= 4 * LIMITS.max_manifest_bytes
        assert tracemalloc.get_traced_memory()[1] < 64 * MiB
    finally:
        tracemalloc.stop()


@BUDGET
@given(YAML_TEXT)
def test_yaml_pieces(text: str) -> None:
    parse_bounded(text.encode("utf-8"), "fuzz.yaml")


@BUDGET
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_yaml(data: bytes) -> None:
    parse_bounded(data, "fuzz.yaml")


@BUDGET
@given(st.binary(max_size=300) | YAML_TEXT.map(str.encode))
def test_arbitrary_bytes_as_json(data: bytes) -> None:
    parse_bounded(data, "fuzz.json")


@BUDGET
@given(JSON_VALUES)
def test_json_round_trips_within_the_bounds(value: Any) -> None:
    data = json.dumps(value).encode()
    documents = DocumentParser(limits=LIMITS).parse(data, "value.json")
    assert documents == ((0, value),)


@BUDGET
@given(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=12))
def test_alias_towers_are_refused_or_small(width: int, height: int) -> None:
    """`height` levels of `width` aliases each: width**height leaves once expanded."""
    lines = ['l0: &l0 ["' + "x" * 40 + '"]']
    for level in range(1, height + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    parse_bounded("\n".join(lines).encode(), "tower.yaml")
