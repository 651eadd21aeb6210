"""What an AppProject permits, rule by rule, as Argo CD decides it. Pure.

Every refusal names the rule that refused, so an app's ComparisonError tells its team
what to change: ``project 'team-a' does not permit destination namespace 'kube-system'``.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitsync.project.globs import glob_match, is_deny
from gitsync.project.model import AppProject, GroupKind
from gitsync.push.repourl import normalize_repo_url


def source_permitted(project: AppProject, repo_url: str) -> bool:
    """Some ``sourceRepos`` pattern matches and no ``!pattern`` excludes the URL; ``*``
    stops at ``/`` in URLs, ``**`` does not."""
    wanted = normalize_repo_url(repo_url)
    matched = False
    for pattern in project.source_repos:
        if pattern == "*":
            matched = True
            continue
        deny = is_deny(pattern)
        body = normalize_repo_url(pattern[1:] if deny else pattern)
        hit = glob_match(body, wanted, separators="/")
        if deny and hit:
            return False
        matched = matched or (hit and not deny)
    return matched


def destination_permitted(project: AppProject, server: str, name: str, namespace: str) -> bool:
    """Some destination matches the cluster (by server or name) and namespace, and no
    negated part of any destination excludes them."""
    matched = False
    denied = False
    for item in project.destinations:
        name_hit = bool(name) and glob_match(item.name, name, negation=True)
        server_hit = bool(server) and glob_match(item.server, server, negation=True)
        namespace_hit = glob_match(item.namespace, namespace, negation=True)
        if (server_hit or name_hit) and namespace_hit:
            matched = True
        elif (
            (not name_hit and is_deny(item.name))
            or (not server_hit and is_deny(item.server))
            or (not namespace_hit and is_deny(item.namespace))
        ):
            denied = True
    return matched and not denied


def _listed(group: str, kind: str, entries: Iterable[GroupKind]) -> bool:
    return any(glob_match(e.kind, kind) and glob_match(e.group, group) for e in entries)


def kind_permitted(project: AppProject, group: str, kind: str, namespaced: bool) -> bool:
    """Namespaced kinds: allowed unless blacklisted, or outside a whitelist that is set.
    Cluster-scoped kinds: only whitelisted ones, and not blacklisted."""
    if namespaced:
        whitelist = project.namespace_resource_whitelist
        allowed = whitelist is None or _listed(group, kind, whitelist)
        return allowed and not _listed(group, kind, project.namespace_resource_blacklist)
    allowed = _listed(group, kind, project.cluster_resource_whitelist)
    return allowed and not _listed(group, kind, project.cluster_resource_blacklist)


def app_namespace_permitted(project: AppProject, app_namespace: str, controller_ns: str) -> bool:
    """Applications in the controller's namespace always are; others only in a namespace
    that ``sourceNamespaces`` names."""
    if not app_namespace or app_namespace == controller_ns:
        return True
    return any(glob_match(p, app_namespace) for p in project.source_namespaces)


def check_app(
    project: AppProject,
    *,
    repo_urls: Iterable[str],
    server: str,
    cluster_name: str,
    namespace: str,
) -> list[str]:
    """Why the project refuses the app's sources or destination ([] when it does not)."""
    refusals = [
        f"project {project.name!r} does not permit source repository {url!r} (sourceRepos)"
        for url in repo_urls
        if not source_permitted(project, url)
    ]
    if not destination_permitted(project, server, cluster_name, namespace):
        where = server or cluster_name
        refusals.append(
            f"project {project.name!r} does not permit destination {where!r} namespace "
            f"{namespace!r} (destinations)"
        )
    return refusals


def check_resource(
    project: AppProject,
    *,
    group: str,
    kind: str,
    namespace: str,
    server: str,
    cluster_name: str,
) -> str | None:
    """Why the project refuses one resource, or None. A namespaced resource must also go
    to a destination namespace the project permits."""
    namespaced = bool(namespace)
    if not kind_permitted(project, group, kind, namespaced):
        listed = "namespaceResource" if namespaced else "clusterResource"
        shown = f"{group}/{kind}" if group else kind
        return f"project {project.name!r} does not permit {shown} ({listed}Whitelist/Blacklist)"
    if namespaced and not destination_permitted(project, server, cluster_name, namespace):
        return f"project {project.name!r} does not permit namespace {namespace!r} (destinations)"
    return None
