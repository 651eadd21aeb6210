"""ApplicationSet expansion: generators, templates and the applicationsSync policy.

apps = expand(appset, trees=provider, clusters=clusters)   # sorted, all or nothing
changes = reconcile_generated(previous, apps, appset.sync_policy)
"""

from gitsync.appset.cluster import (
    IN_CLUSTER_NAME,
    IN_CLUSTER_SERVER,
    ClusterRecord,
    clusters_from_documents,
    clusters_from_secrets,
)
from gitsync.appset.context import TreeProvider
from gitsync.appset.documents import load_documents
from gitsync.appset.expand import expand
from gitsync.appset.generators import GENERATORS
from gitsync.appset.names import normalize_name, slugify
from gitsync.appset.reconcile import Changes, reconcile_generated
from gitsync.appset.treeprovider import repo_tree_provider

__all__ = [
    "GENERATORS",
    "IN_CLUSTER_NAME",
    "IN_CLUSTER_SERVER",
    "Changes",
    "ClusterRecord",
    "TreeProvider",
    "clusters_from_documents",
    "clusters_from_secrets",
    "expand",
    "load_documents",
    "normalize_name",
    "reconcile_generated",
    "repo_tree_provider",
    "slugify",
]
