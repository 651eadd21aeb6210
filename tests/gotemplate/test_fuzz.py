"""Random templates and data: the engine answers with text or one of its own errors,
never another exception, and its memory stays bounded. The budget is fixed and the
examples are derived from the test's name (derandomize), so every run is the same."""

from __future__ import annotations

import contextlib
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitsync.gotemplate.engine import render_text
from gitsync.gotemplate.errors import TemplateError
from gitsync.gotemplate.functions import ARGOCD_FUNCS
from gitsync.gotemplate.limits import Limits

LIMITS = Limits(max_output_bytes=200_000, max_iterations=5_000, max_template_depth=20)
MEMORY_BOUND = 64 << 20  # bytes traced during one render

_FUNCTIONS = sorted(ARGOCD_FUNCS)
_PIECES = [
    "{{", "}}", "{{- ", " -}}", " ", ".", ".a", ".b.c", "$", "$x", "$x := ", "$i, $v := ",
    "=", "|", "(", ")", '"s"', "`r`", "'c'", "1", "-2", "3.5", "1e3", "0x1f", "nil", "true",
    "if ", "else ", "end", "range ", "with ", "define \"t\"", "template \"t\" .", "block \"b\" .",
    "break", "continue", "/* c */", ",", "\n", "x", "%d", '"%5.2f"', '"%v"', "2000000000",
]  # fmt: skip

_scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True), st.integers(-(2**70), 2**70),
    st.text(max_size=20),
)  # fmt: skip
_data = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=30,
)
_template = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.sampled_from(_FUNCTIONS), st.text(max_size=5)),
    max_size=40,
).map("".join)
_structured = st.lists(
    st.tuples(st.sampled_from(_FUNCTIONS), st.lists(st.sampled_from(_PIECES[5:30]), max_size=4)),
    min_size=1,
    max_size=4,
).map(lambda calls: "".join("{{ " + f + " " + " ".join(a) + " }}" for f, a in calls))


def _render(text: str, data: Any) -> None:
    tracemalloc.start()
    try:
        output = render_text(text, {"a": data, "b": {"c": data}}, ARGOCD_FUNCS, (), LIMITS)
        assert isinstance(output, str)
    except TemplateError as err:
        assert "\n" not in str(err).strip() or "template" in str(err)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak} bytes for {text!r}"


@settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=st.one_of(_template, _structured), data=_data)
def test_random_templates_fail_only_with_template_errors(text: str, data: Any) -> None:
    _render(text, data)


_ARGUMENTS = ["$.n", "$.s", "$.f", "$.i", "$.l", "$.m", "$.t", "$.missing", "$.neg", "$.big"]
_VALUES = {
    "n": None, "s": "a.b/c", "f": 2.5, "i": 3, "l": [1, "x", None], "m": {"k": [1]},
    "t": True, "neg": -1, "big": 10**30,
}  # fmt: skip


def test_every_function_with_every_kind_of_argument() -> None:
    """Each function, 0 to 3 arguments of each kind: text or a template error, always."""
    for name in _FUNCTIONS:
        for count in range(4):
            for first in _ARGUMENTS if count else [""]:
                args = " ".join([first, *["$.s", "$.i"][: max(count - 1, 0)]])
                with contextlib.suppress(TemplateError):
                    render_text(f"{{{{ {name} {args} }}}}", dict(_VALUES), ARGOCD_FUNCS, (), LIMITS)
