"""Cluster records: from Argo CD cluster Secrets, or from a clusters file for the CLI.

A cluster Secret is labelled ``argocd.argoproj.io/secret-type: cluster`` and holds
``name``, ``server``, ``project`` and ``config`` (JSON) in `data` (base64) or `stringData`.
`config` holds credentials: it is kept for the controller but never printed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitsync.errors import AppSetError

SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"
SECRET_TYPE_CLUSTER = "cluster"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
IN_CLUSTER_NAME = "in-cluster"


@dataclass(frozen=True)
class ClusterRecord:
    """A registered destination cluster (an Argo CD cluster Secret, a clusters file entry or
    in-cluster) as generators and the controller see it; not a connection to it (that is
    `gitsync.kube.Cluster`)."""

    name: str
    server: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    project: str = ""
    config: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def clusters_from_secrets(secrets: list[Mapping[str, Any]]) -> list[ClusterRecord]:
    """The clusters registered by Argo-CD-format Secrets; other Secrets are ignored."""
    clusters: list[ClusterRecord] = []
    for secret in secrets:
        meta = secret.get("metadata") or {}
        labels = meta.get("labels") or {}
        if labels.get(SECRET_TYPE_LABEL) != SECRET_TYPE_CLUSTER:
            continue
        clusters.append(_from_secret(secret, str(meta.get("name") or "?")))
    return clusters


def _from_secret(secret: Mapping[str, Any], secret_name: str) -> ClusterRecord:
    fields: dict[str, str] = {}
    data = secret.get("data") or {}
    for key in ("name", "server", "project", "config"):
        if key in data:
            try:
                fields[key] = base64.b64decode(str(data[key]), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise AppSetError(
                    f"cluster Secret {secret_name}: data.{key} is not valid base64"
                ) from None
    for key, value in (secret.get("stringData") or {}).items():
        if key in ("name", "server", "project", "config"):
            fields[key] = str(value)
    config: Any = {}
    if fields.get("config"):
        try:
            config = json.loads(fields["config"])
        except ValueError:
            # Never echo the value: it holds credentials.
            raise AppSetError(f"cluster Secret {secret_name}: config is not valid JSON") from None
    meta = secret.get("metadata") or {}
    return _record(
        {
            "name": fields.get("name", ""),
            "server": fields.get("server", ""),
            "project": fields.get("project", ""),
            "labels": meta.get("labels") or {},
            "annotations": meta.get("annotations") or {},
            "config": config,
        },
        f"cluster Secret {secret_name}",
    )


def clusters_from_documents(items: Any, source: str) -> list[ClusterRecord]:
    """Clusters from a clusters file: a YAML list of records (name, server, labels,
    annotations, config, project) and/or cluster Secrets."""
    if items is None:
        return []
    if isinstance(items, Mapping) and isinstance(items.get("clusters"), list):
        items = items["clusters"]
    if not isinstance(items, list):
        raise AppSetError(f"{source}: expected a list of clusters")
    clusters: list[ClusterRecord] = []
    for index, item in enumerate(items):
        what = f"{source}: clusters[{index}]"
        if not isinstance(item, Mapping):
            raise AppSetError(f"{what} must be a mapping")
        if item.get("kind") == "Secret":
            clusters.extend(clusters_from_secrets([item]))
        else:
            clusters.append(_record(item, what))
    return clusters


def _record(item: Mapping[str, Any], what: str) -> ClusterRecord:
    name = item.get("name")
    server = item.get("server")
    if not isinstance(server, str) or not server:
        raise AppSetError(f"{what}: server is missing")
    if not isinstance(name, str) or not name:
        raise AppSetError(f"{what}: name is missing")
    labels = _strings(item.get("labels"), f"{what}: labels")
    annotations = _strings(item.get("annotations"), f"{what}: annotations")
    config = item.get("config") or {}
    if not isinstance(config, Mapping):
        raise AppSetError(f"{what}: config must be a mapping")
    project = item.get("project") or ""
    if not isinstance(project, str):
        raise AppSetError(f"{what}: project must be a string")
    return ClusterRecord(name, server, labels, annotations, project, config)


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AppSetError(f"{what} must be a mapping")
    for key, item in value.items():
        if not isinstance(item, str):
            raise AppSetError(f"{what}.{key} must be a string (quote it)")
    return {str(k): v for k, v in value.items()}
