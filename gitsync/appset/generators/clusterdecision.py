"""The clusterDecisionResource generator: clusters chosen by a duck-typed resource.

``configMapRef`` names a ConfigMap in the Argo CD namespace with ``apiVersion``,
``kind`` (the kind or its plural resource name), ``statusListKey`` (default
``clusters``) and ``matchKey``. The resources of that type named by ``name``, or matched
by ``labelSelector``, are read (by the caller: the cluster API in serve, ``--resources``
in the CLI); every entry of their ``status.<statusListKey>`` whose ``<matchKey>`` names a
known cluster gives one param set: ``name``, ``server``, then the entry's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.appset.cluster import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, ClusterRecord
from gitsync.appset.context import Context
from gitsync.appset.errors import FieldError
from gitsync.appset.generators.git import flatten
from gitsync.appset.generators.plugin import dns_name, needs_resources
from gitsync.appset.resources import MAX_DUCK_RESOURCES, config_map_data
from gitsync.appset.selector import parse_selector
from gitsync.appset.templating import Params

MAX_DECISIONS = 10_000


def generate_cluster_decisions(spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]:
    reader = needs_resources(ctx, field)
    where = f"{field}.configMapRef"
    config_name = dns_name(spec.get("configMapRef"), where)
    namespace = ctx.env.namespace
    config = config_map_data(reader, namespace, config_name, where)
    api_version, kind = config.get("apiVersion", ""), config.get("kind", "")
    if kind == "" or api_version.find("/") < 1:
        raise FieldError(
            where, f"ConfigMap {config_name} needs apiVersion (group/version) and kind"
        )
    match_key = config.get("matchKey", "")
    if not match_key:
        # Argo CD generates nothing here; an error keeps the Applications already there.
        raise FieldError(where, f"ConfigMap {config_name} has no matchKey")
    list_key = config.get("statusListKey") or "clusters"
    name = spec.get("name") or ""
    selector = parse_selector(spec.get("labelSelector"), f"{field}.labelSelector")
    if bool(name) == (not selector.empty):
        raise FieldError(field, "needs exactly one of name and labelSelector")
    if name:
        dns_name(name, f"{field}.name")
    found = reader.list(api_version, kind, namespace)
    if len(found) > MAX_DUCK_RESOURCES:
        raise FieldError(field, f"more than {MAX_DUCK_RESOURCES} {kind} resources")
    chosen = [
        obj
        for obj in found
        if (name and (obj.get("metadata") or {}).get("name") == name)
        or (not name and selector.matches((obj.get("metadata") or {}).get("labels") or {}))
    ]
    if not chosen:
        raise FieldError(field, f"no {kind} resource ({api_version}) found in {namespace}")
    decisions = _decisions(chosen, list_key, field)
    clusters = _known_clusters(ctx.clusters)
    results: list[Params] = []
    for decision in decisions:
        wanted = decision.get(match_key)
        cluster = clusters.get(wanted) if isinstance(wanted, str) and wanted else None
        if cluster is None:
            continue  # as Argo CD: a decision for an unknown cluster is skipped
        params: Params = {"name": cluster.name, "server": cluster.server}
        for key, value in decision.items():
            params[str(key)] = _scalar(value, f"{field}: status.{list_key}[].{key}")
        _add_values(spec.get("values"), params, ctx.go_template, f"{field}.values")
        results.append(params)
    return results


def _decisions(
    objects: list[Mapping[str, Any]], list_key: str, field: str
) -> list[Mapping[str, Any]]:
    decisions: list[Mapping[str, Any]] = []
    for obj in objects:
        status = obj.get("status")
        if not isinstance(status, Mapping) or not status:
            continue  # not decided yet
        entries = status.get(list_key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise FieldError(field, f"status.{list_key} is not a list")
        decisions.extend(e for e in entries if isinstance(e, Mapping))
        if len(decisions) > MAX_DECISIONS:
            raise FieldError(field, f"more than {MAX_DECISIONS} decisions")
    return decisions


def _known_clusters(clusters: tuple[ClusterRecord, ...]) -> dict[str, ClusterRecord]:
    known = {c.name: c for c in clusters}
    if IN_CLUSTER_NAME not in known and not any(c.server == IN_CLUSTER_SERVER for c in clusters):
        known[IN_CLUSTER_NAME] = ClusterRecord(IN_CLUSTER_NAME, IN_CLUSTER_SERVER)
    return known


def _scalar(value: Any, field: str) -> str:
    if isinstance(value, (Mapping, list)):
        raise FieldError(field, "must be a string")
    flat = flatten({"v": value})
    return str(flat["v"])


def _add_values(values: Any, params: Params, go_template: bool, field: str) -> None:
    """Argo CD passes this generator's values as written, not templated."""
    if values is None:
        return
    if not isinstance(values, Mapping) or not all(isinstance(v, str) for v in values.values()):
        raise FieldError(field, "must be a mapping of strings")
    if go_template:
        params["values"] = {str(k): v for k, v in values.items()}
    else:
        for key, value in values.items():
            params[f"values.{key}"] = value
