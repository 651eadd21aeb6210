"""The AppProjects the controller enforces, from the root path and from the cluster, and
what a closed sync window means for an app's next sync."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from gitsync.errors import GitsyncError, UnknownKindError
from gitsync.kube import Cluster
from gitsync.model import Application
from gitsync.project import AppProject, ProjectError, decide, parse_project
from gitsync.project.load import load_projects
from gitsync.project.model import API_VERSION, KIND
from gitsync.source.tree import Tree

log = structlog.get_logger("gitsync.controller")

# A window that reopens far ahead is looked at again sooner: its project may change.
_MAX_RECHECK_SECONDS = 60.0


class ProjectSource:
    """AppProjects by name: those in the root path win over those in the cluster. A root
    whose AppProjects do not parse holds every app (nothing syncs under unknown rules)."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._lock = threading.Lock()
        self._root: dict[str, AppProject] = {}
        self._live: dict[str, AppProject] = {}
        self._error = ""

    def load_root(self, tree: Tree, path: str) -> None:
        try:
            found = load_projects(tree, path)
        except GitsyncError as err:
            log.warning("AppProjects in the root are invalid", error=str(err))
            with self._lock:
                self._error = str(err)
            return
        with self._lock:
            self._root, self._error = found, ""

    def load_cluster(self) -> None:
        try:
            items = self._cluster.list(API_VERSION, KIND, namespace=self._namespace)
        except UnknownKindError:
            return  # the AppProject CRD is not installed: projects come from Git only
        except GitsyncError as err:
            log.warning("cannot read AppProjects", error=str(err))
            return
        found: dict[str, AppProject] = {}
        for item in items:
            try:
                project = parse_project(item)
            except ProjectError as err:
                log.warning("AppProject ignored", error=str(err))
                continue
            found[project.name] = project
        with self._lock:
            self._live = found

    def current(self) -> dict[str, AppProject]:
        with self._lock:
            if self._error:
                raise ProjectError(f"AppProjects in the root path: {self._error}")
            return {**self._live, **self._root}


@dataclass(frozen=True)
class WindowWait:
    """A sync held back by a sync window: what the app shows, and when to look again."""

    message: str
    recheck_after: float


def window_wait(
    project: AppProject,
    app: Application,
    cluster_name: str,
    manual: bool,
    now: datetime | None = None,
) -> WindowWait | None:
    """None when the project's sync windows let this sync run now."""
    moment = now or datetime.now(UTC)
    decision = decide(
        project,
        app=app.name,
        namespace=app.destination.namespace,
        server=app.destination.server,
        cluster=app.destination.name or cluster_name,
        manual=manual,
        now=moment,
    )
    if decision.allowed:
        return None
    if decision.until is None:
        return WindowWait(f"sync window: {decision.reason}", _MAX_RECHECK_SECONDS)
    seconds = max((decision.until - moment).total_seconds(), 0.0)
    shown = decision.until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    message = f"sync window: {decision.reason}, until {shown}"
    return WindowWait(message, min(seconds + 0.5, _MAX_RECHECK_SECONDS))
