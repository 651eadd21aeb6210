"""The matrix generator: the Cartesian product of its children, left to right.

Each param set produced so far is substituted into the next child's spec before that
child runs, so a child may use the params of the children before it. Unlike Argo CD,
any number (two or more) of children and any depth of nesting are allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.combine import combine_strict
from gitsync.appset.generators.count import check_count
from gitsync.appset.templating import Params


def generate_matrix(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    children = spec.get("generators")
    if not isinstance(children, list) or len(children) < 2:
        count = len(children) if isinstance(children, list) else 0
        raise FieldError(f"{field}.generators", f"needs at least two generators, got {count}")
    assert ctx.run_child is not None
    results = ctx.run_child(children[0], ctx, f"{field}.generators[0]", None)
    for index, child in enumerate(children[1:], start=1):
        where = f"{field}.generators[{index}]"
        product: list[Params] = []
        for before in results:
            found = ctx.run_child(child, ctx, where, before)
            # Counted before it is built: a 1000x1000x1000 matrix stops at the bound.
            check_count(len(product) + len(found), ctx, field)
            product.extend(combine_strict(before, params, where) for params in found)
        results = product
    return results
