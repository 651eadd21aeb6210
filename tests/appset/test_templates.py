from __future__ import annotations

import pytest

from gitsync.appset.errors import FieldError
from gitsync.appset.fasttemplate import render_fast
from gitsync.appset.gotemplate import render_go, render_jinja_sandboxed
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
        ("{{ path.basename }}", "web"),
        ("{{ index .path.segments 0 }}", "apps"),
        ("{{ .name | lower | trunc 2 }}", "pr"),
        ("{{ .missing }}", "<no value>"),
        ("{{ .flag }} {{ .n }}", "true 3"),
        ('{{ default "x" .missing }}', "x"),
        ('{{ printf "%s/%d" .name .n }}', "Prod/3"),
        ("{{- if .flag }} on {{- else }}off{{ end -}} .", " on."),
        ("{{ range $i, $s := .path.segments }}{{ $i }}{{ $s }}{{ end }}", "0apps1web"),
        ("{{ range .path.segments }}[{{ . }}]{{ end }}", "[apps][web]"),
        ("{{ with .path }}{{ .basename | upper }}{{ end }}", "WEB"),
        ('{{ replace "o" "0" .name }}', "Pr0d"),
        ("{{ toYaml .path | nindent 2 }}", "\n  basename: web\n  segments:\n  - apps\n  - web"),
        ("{{/* a comment */}}ok", "ok"),
    ],
)
def test_go_subset(text: str, expected: str) -> None:
    assert render_go(text, PARAMS, "f", strict=False) == expected


def test_missingkey_error() -> None:
    with pytest.raises(FieldError, match="missing key"):
        render_go("{{ .missing }}", PARAMS, "f", strict=True)


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        '{{ "".__class__ }}',
        "{{ cycler.__init__.__globals__ }}",
        "{{ .path.__class__ }}",
        "{{ $x := .name }}{{ $x.__len__ }}",
        "{{ .name._private }}",
    ],
)
def test_private_names_are_refused(text: str) -> None:
    with pytest.raises(FieldError, match="refused"):
        render_go(text, PARAMS, "spec.template.metadata.name", strict=False)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ x.__class__ }}",
        "{{ x['__class__'] }}",
        "{{ x.items }}",  # dict methods are not reachable either
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_raw_jinja_cannot_escape_the_sandbox(source: str) -> None:
    # The translator never emits these, but the environment refuses them on its own.
    try:
        output = render_jinja_sandboxed(source, {"x": {"a": 1}}, "f")
    except FieldError:
        return
    assert "class" not in output and "built-in" not in output and "function" not in output


def test_unsupported_go_syntax_is_an_error() -> None:
    with pytest.raises(FieldError, match="not supported"):
        render_go('{{ template "x" }}', PARAMS, "f", strict=False)
    with pytest.raises(FieldError, match="missing"):
        render_go("{{ if .flag }}open", PARAMS, "f", strict=False)


def test_name_helpers() -> None:
    assert normalize_name("Hello_World.Prod-") == "hello-world.prod"
    assert slugify("Hello World, again!") == "hello-world-again"
    assert slugify("aaaa bbbb cccc", max_size=10) == "aaaa-bbbb"
