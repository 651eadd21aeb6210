from __future__ import annotations

import datetime

import pytest

from gitsync.appset.errors import FieldError
from gitsync.appset.fasttemplate import render_fast
from gitsync.appset.gotemplate import render_go
from gitsync.appset.names import normalize_name, slugify

PARAMS = {
    "path": {"basename": "web", "segments": ["apps", "web"]},
    "name": "Prod",
    "n": 3,
    "flag": True,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{name}}-{{ name }}-{{\tname\t}}", "prod-prod-prod"),
        ("{{unknown}} and {{}}", "{{unknown}} and {{}}"),
        ("no tags }} here", "no tags }} here"),
        ("{{count}}", "{{count}}"),  # not a string value: left as written
    ],
)
def test_fasttemplate(text: str, expected: str) -> None:
    assert render_fast(text, {"name": "prod", "count": 3}, "f") == expected


def test_fasttemplate_unclosed_tag_is_an_error() -> None:
    with pytest.raises(FieldError, match="unclosed"):
        render_fast("{{a}} and {{b", {"a": "x"}, "f")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ .path.basename }}", "web"),
        ("{{ index .path.segments 0 }}", "apps"),
        ("{{ .name | lower | trunc 2 }}", "pr"),
        ("{{ .missing }}", "<no value>"),
        ("{{ .flag }} {{ .n }}", "true 3"),
        ('{{ default "x" .missing }}', "x"),
        ('{{ printf "%s/%v" .name .n }}', "Prod/3"),
        ('{{ printf "%d" .n }}', "%!d(float64=3)"),  # parameters are JSON numbers
        ("{{- if .flag }} on {{- else }}off{{ end -}} .", " on."),
        ("{{ range $i, $s := .path.segments }}{{ $i }}{{ $s }}{{ end }}", "0apps1web"),
        ("{{ range .path.segments }}[{{ . }}]{{ end }}", "[apps][web]"),
        ("{{ with .path }}{{ .basename | upper }}{{ end }}", "WEB"),
        ('{{ replace "o" "0" .name }}', "Pr0d"),
        ("{{ toYaml .path | nindent 2 }}", "\n  basename: web\n  segments:\n  - apps\n  - web"),
        ("{{/* a comment */}}ok", "ok"),
        ("no template", "no template"),
    ],
)
def test_go_template(text: str, expected: str) -> None:
    assert render_go(text, PARAMS, "f", strict=False) == expected


def test_missingkey_error() -> None:
    with pytest.raises(FieldError, match='map has no entry for key "missing"'):
        render_go("{{ .missing }}", PARAMS, "f", strict=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ .path.__class__ }}", "<no value>"),  # only a key lookup: never a Python attribute
        ("{{ .name._private }}", "can't evaluate field _private in type string"),
        ('{{ "".__class__ }}', "unexpected . after term"),
        ("{{ $x := .name }}{{ $x.__len__ }}", "can't evaluate field __len__ in type string"),
    ],
)
def test_python_internals_are_unreachable(text: str, expected: str) -> None:
    try:
        output = render_go(text, PARAMS, "spec.template.metadata.name", strict=False)
    except FieldError as err:
        assert expected in str(err)
    else:
        assert output == expected


def test_go_errors_name_the_field() -> None:
    with pytest.raises(FieldError, match=r"^f: template .*: template: :1: unexpected EOF"):
        render_go("{{ if .flag }}open", PARAMS, "f", strict=False)
    with pytest.raises(FieldError, match='function "env" not defined'):
        render_go('{{ env "HOME" }}', PARAMS, "f", strict=False)


def test_name_helpers() -> None:
    assert normalize_name("Hello_World.Prod-") == "hello-world.prod"
    assert slugify("Hello World, again!") == "hello-world-again"
    assert slugify("aaaa bbbb cccc", max_size=10) == "aaaa-bbbb"


def test_parameters_reach_templates_as_argo_cd_decodes_them() -> None:
    params = {"n": 2, "big": 1234567, "when": datetime.date(2024, 1, 2), "flags": [True, None]}
    text = '{{ printf "%T" .n }} {{ .n }} {{ .big }} {{ .when }} {{ .flags }}'
    assert render_go(text, params, "f") == "float64 2 1.234567e+06 2024-01-02 [true <nil>]"
    with pytest.raises(FieldError, match="incompatible types for comparison"):
        render_go("{{ eq .n 2 }}", params, "f")
