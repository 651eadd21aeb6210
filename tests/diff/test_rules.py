"""ignoreDifferences parsing, jq path expressions and JSON pointers."""

from __future__ import annotations

import pytest

from gitsync.diff import IgnoreDifferences, JqSyntaxError, jqpath, parse_jq_path
from gitsync.diff.paths import evaluate, parse_pointer, remove_paths, to_pointer
from gitsync.errors import UserInputError
from gitsync.model.keys import ResourceKey

OBJ = {
    "metadata": {"annotations": {"a/b": "1", "c~d": "2"}},
    "spec": {"items": [{"name": "x", "v": 1}, {"name": "y", "v": 2}, {"name": "z", "v": 3}]},
}


@pytest.mark.parametrize(
    ("expression", "paths"),
    [
        (".spec.items[0].v", [("spec", "items", 0, "v")]),
        (".spec.items[-1].name", [("spec", "items", 2, "name")]),
        (".spec.items[].v", [("spec", "items", i, "v") for i in range(3)]),
        ('.spec.items[] | select(.name == "y") | .v', [("spec", "items", 1, "v")]),
        ('.spec.items[] | select(.name != "y")', [("spec", "items", 0), ("spec", "items", 2)]),
        (".spec.items[] | select(.v == 3)", [("spec", "items", 2)]),
        ('.metadata.annotations["a/b"]', [("metadata", "annotations", "a/b")]),
        ('.metadata."annotations"', [("metadata", "annotations")]),
        ('.["spec"].items[5]', []),
        (".metadata.annotations[]", [("metadata", "annotations", k) for k in ("a/b", "c~d")]),
    ],
)
def test_jq_subset(expression: str, paths: list[tuple[str | int, ...]]) -> None:
    assert list(evaluate(OBJ, parse_jq_path(expression))) == paths


DEPLOYMENT = {
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {"name": "side", "env": [{"name": "FOO_A", "value": "1"}]},
                    {
                        "name": "x",
                        "env": [
                            {"name": "FOO_A", "value": "1"},
                            {"name": "BAR", "value": "2"},
                            {"name": "FOO_B", "value": "3"},
                        ],
                    },
                    {"name": "y"},
                ]
            }
        }
    },
    "metadata": {"labels": {"app.kubernetes.io/version": "1", "team": "a"}},
}
CONTAINERS = ("spec", "template", "spec", "containers")


@pytest.mark.parametrize(
    ("expression", "paths"),
    [
        # Beyond the old hand-written subset: optional iteration, string functions,
        # recursion, regular expressions, alternatives and boolean logic.
        (
            '.spec.template.spec.containers[] | select(.name == "x") | .env[]? '
            '| select(.name|startswith("FOO"))',
            [(*CONTAINERS, 1, "env", 0), (*CONTAINERS, 1, "env", 2)],
        ),
        (
            '.spec.template.spec.containers[].env[]? | select(.name | test("^FOO_A$"))',
            [(*CONTAINERS, 0, "env", 0), (*CONTAINERS, 1, "env", 0)],
        ),
        ('.. | objects | select(.value == "2")', [(*CONTAINERS, 1, "env", 1)]),
        (
            '.spec.template.spec.containers[] | select(.name == "x" or .name == "y")',
            [(*CONTAINERS, 1), (*CONTAINERS, 2)],
        ),
        (
            '.metadata.labels | .["app.kubernetes.io/version"]',
            [("metadata", "labels", "app.kubernetes.io/version")],
        ),
        (".spec.template.spec.containers[-1]", [(*CONTAINERS, 2)]),
        (".spec.template.spec.containers | first", [(*CONTAINERS, 0)]),
        (".metadata.missing.deeper", []),
        # Fails at run time on this object (iterating null): removes nothing, as in Argo CD.
        (".spec.template.spec.containers[].env[].name", []),
        (".spec.template.spec.containers | map(.name)", []),
    ],
)
def test_real_jq_expressions(expression: str, paths: list[tuple[str | int, ...]]) -> None:
    assert list(evaluate(DEPLOYMENT, parse_jq_path(expression))) == paths


@pytest.mark.parametrize("expression", [".a +", "", "a.b", ".a | (", "select(.a ==)"])
def test_expressions_jq_cannot_compile_are_refused(expression: str) -> None:
    with pytest.raises(JqSyntaxError, match="jq expression"):
        parse_jq_path(expression)


def test_a_runaway_expression_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """An expression that never yields is cut off by the time bound, not waited for."""
    monkeypatch.setattr(jqpath, "JQ_TIMEOUT", 0.5)
    pattern = parse_jq_path("last(range(1e15)) as $x | .spec")
    assert list(evaluate(DEPLOYMENT, pattern)) == []
    with pytest.raises(jqpath.JqRunError, match=r"timed out after 0\.5 s"):
        jqpath.jq_paths("path(last(range(1e15)))", {})
    # The worker was replaced: the next expression runs normally.
    assert list(evaluate(DEPLOYMENT, parse_jq_path(".spec"))) == [("spec",)]


def test_pointer_escapes_round_trip() -> None:
    pattern = parse_pointer("/metadata/annotations/a~1b")
    assert list(evaluate(OBJ, pattern)) == [("metadata", "annotations", "a/b")]
    assert to_pointer(("metadata", "annotations", "c~d")) == "/metadata/annotations/c~0d"
    assert list(evaluate(OBJ, parse_pointer("/spec/items/1/name"))) == [
        ("spec", "items", 1, "name")
    ]


def test_removing_several_items_of_one_list_keeps_the_rest() -> None:
    obj = {"l": [0, 1, 2, 3, 4]}
    remove_paths(obj, [("l", 1), ("l", 3), ("l", 9)])
    assert obj == {"l": [0, 2, 4]}


def test_rules_from_app_spec() -> None:
    ignore = IgnoreDifferences.from_app_spec(
        [
            {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]},
            {"kind": "*", "name": "cfg", "namespace": "ns", "jqPathExpressions": [".data.x"]},
        ]
    )
    assert len(ignore.for_key(ResourceKey("apps", "Deployment", "any", "web"))) == 1
    assert len(ignore.for_key(ResourceKey("", "ConfigMap", "ns", "cfg"))) == 1
    assert ignore.for_key(ResourceKey("", "ConfigMap", "other", "cfg")) == ()
    # No group means the core group, as in Argo CD.
    assert ignore.for_key(ResourceKey("apps", "ConfigMap", "ns", "cfg")) == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "Deployment", "jsonPointers": ["spec/replicas"]}, "must start with '/'"),
        ({"kind": "Deployment", "jqPathExpressions": [".a | ("]}, "invalid jq expression"),
        ({"jsonPointers": ["/a"]}, "needs a kind"),
        ({"kind": "X", "jsonPointer": ["/a"]}, "unknown field"),
        ({"kind": "X", "jsonPointers": "/a"}, "list of strings"),
        ("kind: X", "must be a mapping"),
    ],
)
def test_bad_rules_are_one_line_errors(spec: object, message: str) -> None:
    with pytest.raises(UserInputError, match=message) as err:
        IgnoreDifferences.from_app_spec([spec])
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("ignoreDifferences[0]: ")
