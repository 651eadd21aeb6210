"""The schema check on its own: tests/fixtures/schemacheck/ holds a document shaped as a
real API server publishes it, and objects checked against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.kube.schemacheck import SchemaDocument, SchemaUnusable

FIXTURES = Path(__file__).parents[1] / "fixtures" / "schemacheck"
DOCUMENT = SchemaDocument(yaml.safe_load((FIXTURES / "document.yaml").read_text()))
CASES = yaml.safe_load((FIXTURES / "cases.yaml").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cases(case: dict[str, Any]) -> None:
    group, version, kind = case["kind"]
    schema = DOCUMENT.kind(group, version, kind)
    assert schema is not None
    obj = {"apiVersion": f"{group}/{version}" if group else version, "kind": kind}
    obj.update(case["object"])
    assert [str(e) for e in schema.validate(obj)] == case["errors"]


def test_kinds_cel_and_broken_references() -> None:
    assert DOCUMENT.kinds() == [
        ("", "v1", "Pod"),
        ("apps", "v1", "ControllerRevision"),
        ("example.com", "v1", "Broken"),
        ("example.com", "v1", "Widget"),
    ]
    widget = DOCUMENT.kind("example.com", "v1", "Widget")
    pod = DOCUMENT.kind("", "v1", "Pod")
    assert widget is not None and widget.has_cel
    assert pod is not None and not pod.has_cel
    assert DOCUMENT.kind("example.com", "v1", "Broken") is None  # a $ref to nowhere
    assert DOCUMENT.kind("example.com", "v1", "Nothing") is None


def _document(name: str, schema: dict[str, Any]) -> SchemaDocument:
    gvk = [{"group": "example.com", "version": "v1", "kind": name}]
    component = {**schema, "x-kubernetes-group-version-kind": gvk}
    return SchemaDocument({"components": {"schemas": {f"com.example.v1.{name}": component}}})


def test_a_schema_nested_beyond_the_checker_has_no_kind() -> None:
    deep: dict[str, Any] = {"type": "object", "properties": {}}
    node = deep
    for _ in range(2000):
        child: dict[str, Any] = {"type": "object", "properties": {}}
        node["properties"]["x"] = child
        node = child
    assert _document("Deep", deep).kind("example.com", "v1", "Deep") is None


def test_an_object_nested_beyond_the_checker_is_left_to_the_server() -> None:
    recursive = {
        "type": "object",
        "properties": {"x": {"$ref": "#/components/schemas/com.example.v1.Tree"}},
    }
    schema = _document("Tree", recursive).kind("example.com", "v1", "Tree")
    assert schema is not None
    assert schema.validate({"x": {"x": {"x": {}}}}) == []
    value: dict[str, Any] = {}
    obj = {"x": value}
    for _ in range(2000):
        value["x"] = {}
        value = value["x"]
    with pytest.raises(SchemaUnusable):
        schema.validate(obj)
