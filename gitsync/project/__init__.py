"""AppProjects: which sources, destinations and kinds a team's apps may use, and when
they may sync (sync windows). Pure: the controller and the CLI load projects and ask."""

from gitsync.project.model import (
    DEFAULT_PROJECT,
    AppProject,
    ProjectError,
    parse_project,
    permissive_default,
    project_for,
)
from gitsync.project.rules import check_app, check_resource
from gitsync.project.windows import WindowDecision, decide

__all__ = [
    "DEFAULT_PROJECT",
    "AppProject",
    "ProjectError",
    "WindowDecision",
    "check_app",
    "check_resource",
    "decide",
    "parse_project",
    "permissive_default",
    "project_for",
]
