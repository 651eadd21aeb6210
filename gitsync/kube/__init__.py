"""Cluster access: the only package of gitsync that imports `kubernetes` / `urllib3`.

`Cluster` talks to one API server with plain dicts (discovery, get, list, server-side
apply, create, replace, patch, delete), throttled by a token bucket and a bound on
requests in flight. `LiveCache` keeps the live objects of chosen kinds current through
watches, so steady-state reads cost no request. Failures are gitsync errors.
"""

from .cache import LiveCache
from .cluster import FIELD_MANAGER, Cluster, ListResult, describe
from .config import ClusterConfig, load_in_cluster, load_kubeconfig
from .discovery import ResourceInfo
from .labels import Selector
from .ratelimit import TokenBucket
from .stats import RequestStats

__all__ = [
    "FIELD_MANAGER",
    "Cluster",
    "ClusterConfig",
    "ListResult",
    "LiveCache",
    "RequestStats",
    "ResourceInfo",
    "Selector",
    "TokenBucket",
    "describe",
    "load_in_cluster",
    "load_kubeconfig",
]
