"""A kubeconfig that points the kubernetes client and kubectl at a SimCluster."""

from __future__ import annotations

from pathlib import Path

import yaml


def kubeconfig_text(url: str, context: str = "sim", token: str = "gitsync-sim") -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": context, "user": context, "namespace": "default"},
            }
        ],
        "current-context": context,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(
    path: Path | str, url: str, context: str = "sim", token: str = "gitsync-sim"
) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(kubeconfig_text(url, context, token), encoding="utf-8")
    return target
