"""The clusters generator: one param set per registered cluster matching `selector`, or,
with `flatList: true`, one param set whose `clusters` is the list of them all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.appset.cluster import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, ClusterRecord
from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.names import normalize_name
from gitsync.appset.selector import parse_selector
from gitsync.appset.templating import Params, append_values


def generate_clusters(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    selector = parse_selector(spec.get("selector"), f"{field}.selector")
    results: list[Params] = []
    registered = {c.server.rstrip("/") for c in ctx.clusters}
    # The local cluster has no Secret, hence no labels to select on: Argo CD includes it
    # only for an empty selector, and only when no Secret registers it already.
    if selector.empty and IN_CLUSTER_SERVER not in registered:
        params: Params = {
            "name": IN_CLUSTER_NAME,
            "nameNormalized": IN_CLUSTER_NAME,
            "server": IN_CLUSTER_SERVER,
            "project": "",
        }
        append_values(spec.get("values"), params, ctx.templater, f"{field}.values")
        results.append(params)
    for cluster in ctx.clusters:
        if selector.matches(cluster.labels):
            params = _params(cluster, ctx.go_template)
            append_values(spec.get("values"), params, ctx.templater, f"{field}.values")
            results.append(params)
    flat = spec.get("flatList", False)
    if not isinstance(flat, bool):
        raise FieldError(f"{field}.flatList", "must be true or false")
    if flat:
        # Argo CD's shape: one Application, even when no cluster matches.
        return [{"clusters": results}]
    return results


def _params(cluster: ClusterRecord, go_template: bool) -> Params:
    params: Params = {
        "name": cluster.name,
        "nameNormalized": normalize_name(cluster.name),
        "server": cluster.server,
        "project": cluster.project,
    }
    if go_template:
        params["metadata"] = {
            "labels": dict(cluster.labels),
            "annotations": dict(cluster.annotations),
        }
    else:
        for key, value in cluster.annotations.items():
            params[f"metadata.annotations.{key}"] = value
        for key, value in cluster.labels.items():
            params[f"metadata.labels.{key}"] = value
    return params
