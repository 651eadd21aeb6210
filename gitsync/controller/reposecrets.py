"""Reading Argo CD repository Secrets and the known-hosts ConfigMap from the cluster.

The controller re-reads them on every poll, before it resolves any source, so a Secret
created or rotated takes effect on the next poll. A failure keeps the previous set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from gitsync.errors import GitsyncError
from gitsync.kube import Cluster
from gitsync.source.gitauth import SecretCredentials
from gitsync.source.repocreds import (
    KNOWN_HOSTS_CONFIGMAP,
    REPO_CREDS,
    REPOSITORY,
    SECRET_TYPE_LABEL,
    known_hosts_from_configmap,
    parse_secrets,
)

log = structlog.get_logger("gitsync.controller")


def refresh_repo_secrets(cluster: Cluster, namespace: str, target: SecretCredentials) -> None:
    """Replace `target`'s Secrets with those in `namespace` now (kept on an API error)."""
    selector = f"{SECRET_TYPE_LABEL} in ({REPOSITORY},{REPO_CREDS})"
    try:
        secrets = cluster.list("v1", "Secret", namespace=namespace, label_selector=selector)
        configmap = cluster.get("v1", "ConfigMap", namespace, KNOWN_HOSTS_CONFIGMAP)
    except GitsyncError as err:
        log.warning("cannot read repository secrets", error=str(err))
        return
    parsed = parse_secrets(list[Mapping[str, Any]](secrets))
    for problem in parsed.problems:  # names the Secret and the field, never a value
        log.warning("repository secret ignored", problem=problem)
    target.update(parsed, known_hosts_from_configmap(configmap))
