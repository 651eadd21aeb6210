"""Everything an AppProject decides about one Application, in one place: the project
itself (found by name), its sources and destination, and each object it would apply.
Pure: the caller says which kinds are namespaced."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitsync.model import Application
from gitsync.model.keys import split_api_version
from gitsync.project.model import AppProject, ProjectError, project_for
from gitsync.project.rules import check_app, check_resource

# Is this object namespaced? None when the cluster does not know its kind yet.
Namespaced = Callable[[Mapping[str, Any]], bool | None]


def project_of(app: Application, projects: Mapping[str, AppProject]) -> AppProject:
    return project_for(app.project, projects)


def check_application(app: Application, project: AppProject, cluster_name: str = "") -> None:
    """Raise ProjectError naming every rule the app's sources or destination break."""
    refusals = check_app(
        project,
        repo_urls=[s.repo_url for s in app.sources if s.repo_url],
        server=app.destination.server,
        cluster_name=app.destination.name or cluster_name,
        namespace=app.destination.namespace,
    )
    if refusals:
        raise ProjectError("; ".join(refusals))


def check_objects(
    app: Application,
    project: AppProject,
    objects: Iterable[Mapping[str, Any]],
    namespaced: Namespaced,
    cluster_name: str = "",
) -> None:
    """Raise ProjectError naming the first objects (at most five) the project forbids.
    A kind the cluster does not know yet counts as namespaced, as when it is applied."""
    refusals: list[str] = []
    for obj in objects:
        group, _ = split_api_version(str(obj.get("apiVersion") or ""))
        kind = str(obj.get("kind") or "")
        meta = obj.get("metadata") or {}
        name = str(meta.get("name") or meta.get("generateName") or "")
        is_namespaced = namespaced(obj)
        namespace = str(meta.get("namespace") or "") if is_namespaced is not False else ""
        if is_namespaced is not False and not namespace:
            namespace = app.destination.namespace or "default"
        why = check_resource(
            project,
            group=group,
            kind=kind,
            namespace=namespace,
            server=app.destination.server,
            cluster_name=app.destination.name or cluster_name,
        )
        if why is not None:
            shown = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
            refusals.append(f"{shown}: {why}")
    if refusals:
        more = f" (and {len(refusals) - 5} more)" if len(refusals) > 5 else ""
        raise ProjectError("; ".join(refusals[:5]) + more)
