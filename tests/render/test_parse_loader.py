"""The manifest loader's shortcuts give exactly what PyYAML's own C loader gives (dates
left as strings), for plain documents and for the YAML features that take the slow path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitsync.errors import ManifestError
from gitsync.render.options import HelmOptions, RenderOptions
from gitsync.render.parse import DocumentParser, ManifestLoader


class StockLoader(yaml.CSafeLoader):
    """PyYAML's C loader with the same resolvers, and none of the shortcuts."""


StockLoader.yaml_implicit_resolvers = ManifestLoader.yaml_implicit_resolvers

CASES = {
    "plain": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: y}}\n",
    "scalars": (
        "a: yes\nb: No\nc: on\nd: 0x1F\ne: 0o17\nf: 1_000\ng: 3.5e2\nh: .inf\ni: -.Inf\n"
        "j: .nan\nk: ~\nl: null\nm: ''\nn: '123'\no: \"true\"\np: 2024-01-02\n"
        "q: 2024-01-02T03:04:05Z\nr: 012\ns: +12\nt: 1:20\nu: !!str 5\nv: !!int '7'\n"
    ),
    "block scalars": "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
    "sequences": "items:\n  - 1\n  - [a, b, {c: d}]\n  - - nested\n    - true\n",
    "anchors": "base: &b {image: nginx, port: 80}\ncopy: *b\nlist: [*b, *b]\n",
    "merge keys": "base: &b {image: nginx, port: 80}\nweb:\n  <<: *b\n  port: 8080\n",
    "merge list": "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "explicit tags": "a: !!binary aGVsbG8=\nb: !!timestamp 2024-01-02\nc: !!float 1\n",
    "set": "s: !!set {a, b}\n",
    "omap": "o: !!omap [a: 1, b: 2]\n",
    "duplicate keys": "a: 1\na: 2\n",
    "non-string keys": "1: one\ntrue: yes\n~: nothing\n3.5: x\n",
    "multi": "a: 1\n---\n---\nb: [2]\n...\n---\nc: x\n",
}


def load(text: str, loader: type[Any]) -> list[Any]:
    return list(yaml.load_all(text, Loader=loader))


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_objects_as_the_stock_loader(name: str) -> None:
    text = CASES[name]
    got, want = load(text, ManifestLoader), load(text, StockLoader)
    assert got == want
    assert repr(got) == repr(want)  # types too: True is not 1, '1' is not 1


def test_an_alias_that_contains_itself_is_refused() -> None:
    """A manifest holding itself has no JSON form: refused, where PyYAML builds a cycle."""
    with pytest.raises(ManifestError, match=r"rec.yaml: line 1: an alias contains itself"):
        DocumentParser().parse(b"a: &a [1, *a]\n", "rec.yaml")


def test_dates_stay_strings_and_aliases_share_one_object() -> None:
    doc = load(CASES["anchors"] + "when: 2024-01-02\n", ManifestLoader)[0]
    assert doc["when"] == "2024-01-02"
    assert doc["copy"] is doc["base"] and doc["list"][0] is doc["base"]


@pytest.mark.parametrize(
    "text",
    ["? [a, b]\n: value\n", "? {a: 1}\n: value\n", "a: !custom 1\n", "a: [1\n"],
)
def test_errors_are_those_of_the_stock_loader(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as stock:
        load(text, StockLoader)
    with pytest.raises(yaml.YAMLError) as ours:
        load(text, ManifestLoader)
    assert type(ours.value) is type(stock.value)
    assert str(ours.value) == str(stock.value)


def test_a_scalar_read_as_plain_and_quoted_keeps_both_meanings() -> None:
    """The remembered tag of ``true`` must not leak into a quoted ``'true'``."""
    docs = DocumentParser().parse(b"a: true\nb: 'true'\nc: true\n", "x.yaml")
    assert docs == ((0, {"a": True, "b": "true", "c": True}),)


def test_fingerprint_is_computed_once_and_leaves_equality_alone() -> None:
    options = RenderOptions.from_source({"helm": {"valuesObject": {"a": 1}}}, app_name="web")
    first = options.fingerprint()
    assert options.fingerprint() is first  # remembered, not recomputed
    twin = RenderOptions.from_source({"helm": {"valuesObject": {"a": 1}}}, app_name="web")
    assert twin == options and twin.fingerprint() == first
    assert "_fingerprint" not in repr(options)
    other = RenderOptions(helm=HelmOptions(release_name="other"))
    assert other.fingerprint() != first
