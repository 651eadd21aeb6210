"""Bounds on YAML and JSON from Git: each hostile file ends in one LimitExceeded naming
the bound and the file, fast and in little memory (tracemalloc's peak: deterministic)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from gitsync.errors import ManifestError
from gitsync.render import BuildContext, Renderer
from gitsync.render.limits import LimitExceeded, Limits, MiB, parse_size
from gitsync.render.lru import LRU
from gitsync.render.parse import IN_PROCESS_BYTES, DocumentParser
from tests.render.helpers import cm, local_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "limits"


@contextmanager
def peak_memory() -> Iterator[dict[str, int]]:
    """Bytes Python allocated at most inside the block."""
    found: dict[str, int] = {}
    tracemalloc.start()
    try:
        yield found
    finally:
        found["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def refused(call: Callable[[], Any], bound: str) -> str:
    with pytest.raises(LimitExceeded) as caught:
        call()
    assert caught.value.bound == bound
    message = str(caught.value)
    assert "\n" not in message and f"exceeds {bound} (" in message
    return message


@pytest.mark.parametrize("name", ["billion-laughs.yaml", "merge-key-bomb.yaml"])
def test_alias_bombs_fail_fast_in_little_memory(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    with peak_memory() as memory:
        message = refused(lambda: DocumentParser().parse(data, name), "max-manifest-bytes")
    assert message.startswith(f"{name}: line ") and "YAML aliases expand past" in message
    assert memory["peak"] < 2 * MiB


def test_alias_references_are_counted() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    parser = DocumentParser(limits=Limits(max_yaml_aliases=100))
    message = refused(lambda: parser.parse(text.encode(), "many.yaml"), "max-yaml-aliases")
    assert "101 alias references" in message
    assert DocumentParser(limits=Limits(max_yaml_aliases=101)).parse(text.encode(), "ok.yaml")


@pytest.mark.parametrize("name", ["deep.json", "deep.yaml"])
def test_json_nested_100000_deep_is_a_clean_error(name: str) -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises((LimitExceeded, ManifestError)) as caught:  # libyaml stops at 1000
        DocumentParser().parse(data, name)
    assert str(caught.value).startswith(f"{name}")
    if name.endswith(".json"):
        assert isinstance(caught.value, LimitExceeded)


@pytest.mark.parametrize("name", ["nest.json", "nest.yaml"])
def test_nesting_depth_bound_is_exact(name: str) -> None:
    parser = DocumentParser(limits=Limits(max_nesting_depth=20))

    def nested(depth: int) -> bytes:
        return b'{"a": ' * depth + b"1" + b"}" * depth

    assert parser.parse(nested(20), name)
    refused(lambda: parser.parse(nested(21), name), "max-nesting-depth")


def test_depth_through_an_alias_counts_the_aliased_tree() -> None:
    parser = DocumentParser(limits=Limits(max_nesting_depth=4))
    text = b"a: &a {b: {c: 1}}\nd: {e: {f: *a}}\n"  # *a sits at depth 3 and is 2 deep
    refused(lambda: parser.parse(text, "x.yaml"), "max-nesting-depth")
    assert parser.parse(b"a: &a {b: {c: 1}}\nd: {e: *a}\n", "y.yaml")


def test_a_file_larger_than_the_bound_is_not_decoded() -> None:
    parser = DocumentParser(limits=Limits(max_manifest_bytes=1000))
    message = refused(lambda: parser.parse(b"a: " + b"x" * 1000, "big.yaml"), "max-manifest-bytes")
    assert message.startswith("big.yaml: a file of 1003 bytes")


def test_documents_per_app_count_list_items(tmp_path: Path) -> None:
    items = "".join(
        f"  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}}}}}\n" for i in range(6)
    )
    tree = local_tree(tmp_path, {"app/list.yaml": f"apiVersion: v1\nkind: List\nitems:\n{items}"})
    renderer = Renderer(limits=Limits(max_documents=5))
    message = refused(
        lambda: renderer.render(tree, "app", context=BuildContext(app_name="web")), "max-documents"
    )
    assert message.startswith("app web: app/list.yaml: manifests reach 6 objects")
    assert len(Renderer(limits=Limits(max_documents=6)).render(tree, "app")) == 6


def test_bytes_per_app_add_up_over_files(tmp_path: Path) -> None:
    files = {f"app/{i}.yaml": cm(f"c{i}") + f"data: {{x: {'y' * 300}}}\n" for i in range(4)}
    tree = local_tree(tmp_path, files)
    renderer = Renderer(limits=Limits(max_manifest_bytes=1000))
    message = refused(
        lambda: renderer.render(tree, "app", context=BuildContext(app_name="web")),
        "max-manifest-bytes",
    )
    assert message.startswith("app web: app/2.yaml: manifests reach")  # the file that crossed


def test_the_same_bomb_cached_still_fails(tmp_path: Path) -> None:
    tree = local_tree(tmp_path, {"app/x.yaml": (FIXTURES / "billion-laughs.yaml").read_text()})
    renderer = Renderer()
    for _ in range(2):
        refused(
            lambda: renderer.render(tree, "app", context=BuildContext(app_name="web")),
            "max-manifest-bytes",
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512Mi", 512 * MiB), ("2Gi", 2 << 30), ("1M", 1_000_000), ("1048576", MiB), (7, 7)],
)
def test_sizes_read_like_kubernetes_quantities(text: str | int, expected: int) -> None:
    assert parse_size(text, "size") == expected


def test_a_size_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid render memory"):
        parse_size("lots", "render memory")


def test_caches_are_bounded_in_bytes_too() -> None:
    cache: LRU[str, str] = LRU(100, max_weight=10)
    cache.put("a", "A", 6)
    cache.put("b", "B", 6)  # together over 10: the older one goes
    assert cache.get("a") is None and cache.get("b") == "B" and cache.weight == 6
    cache.put("huge", "H", 11)  # heavier than the whole budget: not kept
    assert cache.get("huge") is None and cache.get("b") == "B"


def test_the_parse_cache_holds_a_bounded_number_of_bytes() -> None:
    parser = DocumentParser(limits=Limits(max_manifest_bytes=1000))
    for index in range(20):
        parser.parse(f"a: {index}\nb: {'x' * 900}\n".encode(), f"f{index}.yaml")
    assert parser.cache.weight <= 8 * 1000 and len(parser.cache) < 20


def test_a_large_file_is_parsed_in_the_child_with_the_same_result(tmp_path: Path) -> None:
    rows = "".join(f"  k{i}: value-{i}\n" for i in range(60_000))  # ~1.3 MiB
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + rows
    tree = local_tree(tmp_path, {"app/big.yaml": text, "odd/big.yaml": text + "  1: one\n"})
    renderer = Renderer()
    assert len(text) > IN_PROCESS_BYTES
    expected = DocumentParser().parse(text.encode(), "big.yaml")[0][1]
    assert renderer.render(tree, "app")[0].obj == expected
    assert renderer.parser.parses == 0  # not parsed in this process
    odd = renderer.render(tree, "odd")[0].obj  # an int key: JSON cannot carry it
    assert odd["data"][1] == "one" and renderer.parser.parses == 1
