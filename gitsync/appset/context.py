"""What every generator is given: the ApplicationSet, its templater, Git, clusters, and
the environment the caller allows generators to read (resources, network services)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitsync.appset.cluster import ClusterRecord
from gitsync.appset.resources import ResourceReader
from gitsync.appset.templating import Params, Templater
from gitsync.model import ApplicationSet
from gitsync.render.limits import DEFAULT_LIMITS, Limits
from gitsync.source.tree import Tree

# (repoURL, revision) -> the tree at that revision. The only way generators read Git.
TreeProvider = Callable[[str, str], Tree]


@dataclass(frozen=True)
class GeneratorEnv:
    """What the caller lets generators reach beyond Git and the cluster list.

    `resources` reads ConfigMaps, Secrets and duck-typed resources (plugin,
    pullRequest, clusterDecisionResource); None refuses those generators. `allowed_urls`
    are the URL prefixes the plugin and pullRequest generators may call; None allows any
    http(s) URL (the CLI), empty allows none. `namespace` is where Argo CD keeps its
    ConfigMaps and Secrets.
    """

    resources: ResourceReader | None = None
    allowed_urls: tuple[str, ...] | None = ()
    namespace: str = "argocd"
    new_git_file_globbing: bool = False
    http_timeout: float = 30.0


@dataclass(frozen=True)
class Context:
    """What a generator may use: the ApplicationSet, templates, Git trees, clusters, settings."""

    appset: ApplicationSet
    templater: Templater
    trees: TreeProvider
    clusters: tuple[ClusterRecord, ...] = ()
    env: GeneratorEnv = field(default_factory=GeneratorEnv)
    limits: Limits = DEFAULT_LIMITS
    # Filled by the registry so that matrix and merge can run their children.
    run_child: ChildRunner | None = field(default=None, compare=False)

    @property
    def go_template(self) -> bool:
        return self.templater.go_template


class ChildRunner(Protocol):
    """Runs a nested generator (of a matrix or merge) and returns its parameter sets."""

    def __call__(
        self, entry: Any, ctx: Context, field: str, inherited: Params | None
    ) -> list[Params]: ...


class Generator(Protocol):
    """One generator kind: its spec in, parameter sets out."""

    def __call__(self, spec: Mapping[str, Any], ctx: Context, field: str) -> list[Params]: ...
