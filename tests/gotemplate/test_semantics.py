"""Go text/template semantics (trim markers, scoping, range/with/else, define/template,
missingkey, errors, bounds) from tests/fixtures/gotemplate/semantics.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from gitsync.gotemplate.engine import render_text
from gitsync.gotemplate.errors import TemplateBoundError, TemplateError
from gitsync.gotemplate.functions import ARGOCD_FUNCS
from gitsync.gotemplate.limits import Limits
from tests.gotemplate.tables import check, params


@pytest.mark.parametrize("case", params("semantics.yaml"))
def test_semantics(case: dict[str, Any]) -> None:
    check(case)


def test_hundred_nested_parentheses_render() -> None:
    text = "{{ " + "(" * 100 + "print 1" + ")" * 100 + " }}"
    assert render_text(text, {}, ARGOCD_FUNCS) == "1"


@pytest.mark.parametrize("depth", [10_000, 200])
def test_deep_nesting_is_one_clean_bound_error(depth: int) -> None:
    text = "{{ " + "(" * depth + "1" + ")" * depth + " }}"
    with pytest.raises(TemplateBoundError, match=r"\(bound: template parse depth\)$"):
        render_text(text, {}, ARGOCD_FUNCS)
    nested_ifs = "{{ if true }}" * depth + "x" + "{{ end }}" * depth
    with pytest.raises(TemplateBoundError, match="bound: template parse depth"):
        render_text(nested_ifs, {}, ARGOCD_FUNCS)


def test_bounds_are_settable() -> None:
    small = Limits(max_output_bytes=10, max_iterations=3)
    assert render_text("{{ range until 3 }}x{{ end }}", {}, ARGOCD_FUNCS, limits=small) == "xxx"
    with pytest.raises(TemplateBoundError, match="more than 3 iterations"):
        render_text(
            "{{ range until 2 }}{{ range until 2 }}{{ end }}{{ end }}",
            {},
            ARGOCD_FUNCS,
            limits=small,
        )
    with pytest.raises(TemplateBoundError, match="exceeds 10 "):
        render_text('{{ repeat 11 "x" }}', {}, ARGOCD_FUNCS, limits=small)


def test_data_is_never_reached_as_python_objects() -> None:
    class Secretive:
        secret = "leak"

    for text in ("{{ .obj.secret }}", "{{ .obj.__class__ }}", '{{ index .obj "secret" }}'):
        with pytest.raises(TemplateError):
            render_text(text, {"obj": Secretive()}, ARGOCD_FUNCS)


@pytest.mark.parametrize("text", ["{{ .d }}", "{{ toJson .d }}", "{{ deepEqual .d .d }}"])
def test_deeply_nested_data_is_a_bound_error(text: str) -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(3000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    with pytest.raises(TemplateBoundError, match="nested too deeply"):
        render_text(text, {"d": deep}, ARGOCD_FUNCS)
