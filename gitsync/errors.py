"""The one error tree of gitsync.

Third-party exceptions are translated into these at the package boundaries
(`kube`, `source`, `render`), so the CLI can print one clear line and exit
non-zero instead of showing a traceback.
"""

from __future__ import annotations


class GitsyncError(Exception):
    """Base of every error gitsync raises on purpose. `str(err)` is one line for the user."""


class UserInputError(GitsyncError):
    """Bad command-line input, configuration or file given by the user."""


class ManifestError(GitsyncError):
    """A manifest that cannot be parsed or lacks what every object needs.

    `location` names the file (and line when known), e.g. ``apps/web/deploy.yaml:12``.
    """

    def __init__(self, message: str, location: str | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class SourceError(GitsyncError):
    """Git access failed: unknown revision, unreachable repository, bad path."""


class RenderError(GitsyncError):
    """Turning an application source into manifests failed (tool missing, template error)."""


class AppSetError(GitsyncError):
    """An ApplicationSet could not be expanded."""


class PlanError(GitsyncError):
    """The sync plan cannot be built from the desired manifests."""


class ConfigError(GitsyncError):
    """Invalid controller configuration."""


class KubeError(GitsyncError):
    """A Kubernetes API call failed. `resource` is printed as ``Kind/namespace/name``."""

    def __init__(
        self, message: str, resource: str | None = None, status: int | None = None
    ) -> None:
        self.resource = resource
        self.status = status
        super().__init__(f"{resource}: {message}" if resource else message)


class NotFoundError(KubeError):
    """The object (or its kind) does not exist."""


class UnknownKindError(KubeError):
    """The cluster does not serve this apiVersion/kind."""


class ConflictError(KubeError):
    """409: already exists, stale resourceVersion or a field-manager conflict."""


class InvalidError(KubeError):
    """422: the API server rejected the object."""


class ForbiddenError(KubeError):
    """401/403: not allowed."""


class UnavailableError(KubeError):
    """The API server is unreachable, timed out or answered 5xx/429."""


class ActionRefused(GitsyncError):
    """An action asked of the controller (sync, terminate, Rollout promote...) that cannot
    be done; `status` is the HTTP status that says why (404 unknown, 409 not now...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
