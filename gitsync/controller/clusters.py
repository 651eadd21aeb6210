"""Destination clusters: the local one, Argo-CD cluster Secrets, and a clusters file.

A clusters file is a YAML list; each entry names a cluster the way ApplicationSets see
it (``name``, ``server``, ``labels``) and says how to reach it: ``kubeconfig: PATH`` (plus
an optional ``context``), or ``config`` in the cluster-Secret format (``bearerToken``,
``tlsClientConfig``). A cluster Secret's ``config`` JSON is used as it is.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
import yaml
from kubernetes import client as k8s_client

from gitsync.appset import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, ClusterRecord
from gitsync.appset.cluster import clusters_from_documents
from gitsync.controller.config import ControllerConfig
from gitsync.errors import ConfigError, GitsyncError
from gitsync.kube import Cluster, ClusterConfig, LiveCache
from gitsync.model.annotations import TRACKING_LABEL

log = structlog.get_logger("gitsync.controller")


@dataclass(frozen=True)
class ClusterSpec:
    """A destination: its ApplicationSet record plus how to connect to it."""

    record: ClusterRecord
    kubeconfig: str | None = None
    context: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def load_clusters_file(path: str | Path) -> list[ClusterSpec]:
    """The clusters of a `--clusters` file; raises ConfigError with one line."""
    source = Path(path)
    try:
        loaded = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"clusters file {source} not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"clusters file {source}: {type(err).__name__}") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("clusters"), list):
        loaded = loaded["clusters"]
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        raise ConfigError(f"clusters file {source}: expected a list of clusters")
    specs: list[ClusterSpec] = []
    for index, item in enumerate(loaded):
        if not isinstance(item, Mapping):
            raise ConfigError(f"clusters file {source}: clusters[{index}] must be a mapping")
        kubeconfig = item.get("kubeconfig")
        context = item.get("context")
        record_fields = {k: v for k, v in item.items() if k not in ("kubeconfig", "context")}
        try:
            (record,) = clusters_from_documents([record_fields], f"clusters file {source}")
        except GitsyncError as err:
            raise ConfigError(str(err)) from None
        if kubeconfig is not None:
            kubeconfig = str(Path(str(kubeconfig)).expanduser())
            if not Path(kubeconfig).is_absolute():
                kubeconfig = str((source.parent / kubeconfig).resolve())
        specs.append(
            ClusterSpec(
                record,
                kubeconfig=kubeconfig,
                context=str(context) if context else None,
                config=record.config,
            )
        )
    return specs


def config_from_secret(name: str, server: str, config: Mapping[str, Any]) -> ClusterConfig:
    """A client configuration from a cluster Secret's ``config`` (bearer token, TLS)."""
    conf = k8s_client.Configuration()
    conf.host = server.rstrip("/")
    token = config.get("bearerToken")
    if token:
        conf.api_key = {"authorization": f"Bearer {token}"}
    tls = config.get("tlsClientConfig") or {}
    if not isinstance(tls, Mapping):
        raise ConfigError(f"cluster {name}: tlsClientConfig must be a mapping")
    conf.verify_ssl = not bool(tls.get("insecure"))
    files = {"caData": "ssl_ca_cert", "certData": "cert_file", "keyData": "key_file"}
    for key, attribute in files.items():
        data = tls.get(key)
        if data:
            setattr(conf, attribute, _temp_file(str(data), name, key))
    if tls.get("serverName"):
        conf.tls_server_name = str(tls["serverName"])
    return ClusterConfig(configuration=conf, name=name, server=conf.host, namespace="default")


def _temp_file(b64: str, cluster: str, key: str) -> str:
    try:
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        raise ConfigError(f"cluster {cluster}: tlsClientConfig.{key} is not base64") from None
    with tempfile.NamedTemporaryFile(prefix="gitsync-tls-", delete=False) as handle:
        handle.write(raw)
    return handle.name


@dataclass
class Destination:
    """One connected cluster: API client plus a watch cache of the app-tracked objects,
    and one of every object of the few kinds the schema pre-flight weighs (admission
    objects, namespaces, ResourceQuotas, LimitRanges: watched from the first sync on)."""

    record: ClusterRecord
    cluster: Cluster
    cache: LiveCache
    facts_cache: LiveCache


class ClusterRegistry:
    """Connected destinations by server URL and by name; thread-safe."""

    def __init__(
        self, on_connect: Callable[[Destination], None], namespaces: Sequence[str] | None = None
    ) -> None:
        """`namespaces`: each destination's cache watches only these (None: everything)."""
        self.namespaces = namespaces
        self._lock = threading.Lock()
        self._by_server: dict[str, Destination] = {}
        self._by_name: dict[str, Destination] = {}
        self._on_connect = on_connect

    def add(self, record: ClusterRecord, connect: Callable[[], Cluster]) -> Destination:
        key = record.server.rstrip("/")
        with self._lock:
            found = self._by_server.get(key)
            if found is not None:
                self._by_name.setdefault(record.name, found)
                return found
        cluster = connect()
        cache = LiveCache(
            cluster,
            label_selector=TRACKING_LABEL,
            namespaces=self.namespaces,
            index_label=TRACKING_LABEL,  # every app's reads select its own value
        )
        facts_cache = LiveCache(cluster, namespaces=self.namespaces)
        dest = Destination(record, cluster, cache, facts_cache)
        with self._lock:
            self._by_server[key] = dest
            self._by_name.setdefault(record.name, dest)
        self._on_connect(dest)
        return dest

    def add_spec(self, spec: ClusterSpec, qps: float, burst: int) -> Destination:
        record = spec.record

        def connect() -> Cluster:
            if spec.kubeconfig:
                return Cluster.from_kubeconfig(
                    spec.kubeconfig, spec.context, qps=qps, burst=burst, name=record.name
                )
            conf = config_from_secret(record.name, record.server, spec.config)
            return Cluster(conf, qps=qps, burst=burst, name=record.name)

        return self.add(record, connect)

    def find(self, server: str, name: str) -> Destination | None:
        with self._lock:
            if server:
                return self._by_server.get(server.rstrip("/"))
            return self._by_name.get(name)

    def records(self) -> list[ClusterRecord]:
        """Every destination as ApplicationSets' clusters generator sees it."""
        with self._lock:
            seen = {id(d): d.record for d in self._by_server.values()}
        return sorted(seen.values(), key=lambda r: (r.name, r.server))

    def all(self) -> list[Destination]:
        with self._lock:
            unique = {id(d): d for d in self._by_server.values()}
        return list(unique.values())

    def close(self) -> None:
        for dest in self.all():
            dest.cache.stop()
            dest.facts_cache.stop()
            dest.cluster.close()


def local_record() -> ClusterRecord:
    return ClusterRecord(name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER)


def local_cluster(config: ControllerConfig) -> Cluster:
    """The cluster `gitsync serve` runs in: its service account inside a pod (unless a
    kubeconfig or context was given), else the kubeconfig's context."""
    in_pod = os.environ.get("KUBERNETES_SERVICE_HOST") and not (
        config.kubeconfig or config.context or os.environ.get("KUBECONFIG")
    )
    if in_pod:
        return Cluster.in_cluster(qps=config.qps, burst=config.burst, name="in-cluster")
    return Cluster.from_kubeconfig(
        config.kubeconfig, config.context, qps=config.qps, burst=config.burst, name="in-cluster"
    )


def ensure_namespace(cluster: Cluster, name: str) -> None:
    """Create the controller's namespace when it is missing; a failure is logged, and the
    writes into it say what is wrong."""
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    try:
        if cluster.get("v1", "Namespace", None, name) is None:
            cluster.create(body)
    except GitsyncError as err:
        log.warning("could not ensure the controller namespace", error=str(err))
