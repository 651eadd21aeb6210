"""One module per generator, behind one registry (`run_generator`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from gitsync.appset.context import Context, Generator
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.clusterdecision import generate_cluster_decisions
from gitsync.appset.generators.clusters import generate_clusters
from gitsync.appset.generators.count import check_count
from gitsync.appset.generators.git import generate_git
from gitsync.appset.generators.list import generate_list
from gitsync.appset.generators.matrix import generate_matrix
from gitsync.appset.generators.merge import generate_merge
from gitsync.appset.generators.plugin import generate_plugin
from gitsync.appset.generators.pullrequest import generate_pull_request
from gitsync.appset.selector import flatten_params, parse_selector
from gitsync.appset.templating import Params

GENERATORS: dict[str, Generator] = {
    "list": generate_list,
    "clusters": generate_clusters,
    "git": generate_git,
    "matrix": generate_matrix,
    "merge": generate_merge,
    "plugin": generate_plugin,
    "pullRequest": generate_pull_request,
    "clusterDecisionResource": generate_cluster_decisions,
}
# Keys of a generator entry that are not generators themselves.
_ENTRY_OPTIONS = ("selector",)


def generator_name(entry: Any, field: str) -> str:
    """The one generator an entry of `generators` names; FieldError otherwise."""
    if not isinstance(entry, Mapping):
        raise FieldError(field, "must be a mapping naming one generator")
    names = [key for key in entry if key not in _ENTRY_OPTIONS]
    if not names:
        raise FieldError(field, f"names no generator (known: {', '.join(GENERATORS)})")
    if len(names) > 1:
        raise FieldError(field, f"names more than one generator: {', '.join(map(str, names))}")
    name = str(names[0])
    if name not in GENERATORS:
        raise FieldError(
            f"{field}.{name}", f"unknown generator {name!r} (known: {', '.join(GENERATORS)})"
        )
    return name


def run_generator(entry: Any, ctx: Context, field: str, inherited: Params | None) -> list[Params]:
    """The param sets of one generator entry, filtered by its `selector`.

    `inherited` (from the matrix children before this one) is substituted into the
    generator's spec first; the spec's own `template` is left for later.
    """
    name = generator_name(entry, field)
    spec = entry[name]
    where = f"{field}.{name}"
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise FieldError(where, "must be a mapping")
    if inherited:
        render = ctx.templater.value
        spec = {
            key: value if key == "template" else render(value, inherited, f"{where}.{key}")
            for key, value in spec.items()
        }
    if ctx.run_child is None:
        ctx = dataclasses.replace(ctx, run_child=run_generator)
    results = GENERATORS[name](spec, ctx, where)
    check_count(len(results), ctx, where)
    selector = parse_selector(entry.get("selector"), f"{field}.selector")
    if selector.empty:
        return results
    return [p for p in results if selector.matches(flatten_params(p))]
