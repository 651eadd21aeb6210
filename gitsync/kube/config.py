"""Where a cluster is and how to authenticate: kubeconfig files or the in-cluster account.

Every failure is a `ConfigError` whose message is one line naming the file or context,
e.g. ``kubeconfig /x/y not found`` or ``context "prod" not found in kubeconfig /x/y
(available: dev, kind)``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client import Configuration
from kubernetes.config import incluster_config as _incluster_config
from kubernetes.config import kube_config as _kube_config
from kubernetes.config.config_exception import ConfigException

from gitsync.errors import ConfigError

from .apierrors import one_line

# The loaders are untyped: use them through Any.
kube_config: Any = _kube_config
incluster_config: Any = _incluster_config

IN_CLUSTER_NAME = "in-cluster"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass
class ClusterConfig:
    """A ready client `Configuration` plus what gitsync shows and defaults to."""

    configuration: Any  # kubernetes.client.Configuration (untyped library)
    name: str
    server: str
    namespace: str


def kubeconfig_paths(path: str | Path | None) -> list[Path]:
    """The explicit path, else ``$KUBECONFIG`` (a path list), else ``~/.kube/config``."""
    if path is not None and str(path) != "":
        return [Path(path).expanduser()]
    env = os.environ.get("KUBECONFIG", "")
    listed = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    if listed:
        return listed
    return [Path("~/.kube/config").expanduser()]


def load_kubeconfig(path: str | Path | None = None, context: str | None = None) -> ClusterConfig:
    paths = kubeconfig_paths(path)
    existing = [p for p in paths if p.is_file()]
    if not existing:
        shown = os.pathsep.join(str(p) for p in paths)
        raise ConfigError(f"kubeconfig {shown} not found")
    where = os.pathsep.join(str(p) for p in existing)
    try:
        contexts, current = kube_config.list_kube_config_contexts(config_file=where)
    except yaml.YAMLError as err:
        raise ConfigError(f"kubeconfig {where}: not valid YAML ({_yaml_reason(err)})") from None
    except (ConfigException, KeyError, TypeError, AttributeError, ValueError) as err:
        raise ConfigError(f"kubeconfig {where}: {_config_reason(err)}") from None
    by_name = {str(c.get("name")): c for c in contexts or [] if isinstance(c, dict)}
    if context is None:
        if not current or not isinstance(current, dict):
            raise ConfigError(f"kubeconfig {where}: no current-context set; pass a context")
        chosen = current
    else:
        if context not in by_name:
            available = ", ".join(sorted(by_name)) or "none"
            raise ConfigError(
                f'context "{context}" not found in kubeconfig {where} (available: {available})'
            )
        chosen = by_name[context]
    name = str(chosen.get("name"))
    configuration = Configuration()
    try:
        kube_config.load_kube_config(
            config_file=where,
            context=name,
            client_configuration=configuration,
            persist_config=False,
        )
    except (ConfigException, KeyError, TypeError, AttributeError, ValueError, OSError) as err:
        raise ConfigError(f'kubeconfig {where}, context "{name}": {_config_reason(err)}') from None
    details = chosen.get("context") or {}
    namespace = str(details.get("namespace") or "default") if isinstance(details, dict) else ""
    return ClusterConfig(configuration, name, str(configuration.host), namespace or "default")


def load_in_cluster() -> ClusterConfig:
    configuration = Configuration()
    try:
        incluster_config.InClusterConfigLoader(
            token_filename=str(SERVICE_ACCOUNT_DIR / "token"),
            cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt"),
        ).load_and_set(configuration)
    except ConfigException as err:
        raise ConfigError(f"in-cluster config: {_config_reason(err)}") from None
    namespace = "default"
    # An account without the namespace file falls back to "default", as kubectl does.
    with contextlib.suppress(OSError):
        namespace = (SERVICE_ACCOUNT_DIR / "namespace").read_text().strip() or "default"
    return ClusterConfig(configuration, IN_CLUSTER_NAME, str(configuration.host), namespace)


def _config_reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    text = text.removeprefix("Invalid kube-config file. ")
    if isinstance(err, KeyError):
        text = f"missing field {err}"
    return one_line(text, 300)


def _yaml_reason(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or "parse error"
    return f"line {mark.line + 1}: {problem}" if mark is not None else str(problem)
