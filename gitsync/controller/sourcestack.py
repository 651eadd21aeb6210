"""The repositories `gitsync serve` reads and how it renders them: Git mirrors and Helm
repositories with their credentials, the policy for repositories on the controller's
own disk, and the renderer. Built once from the configuration, closed when it stops."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitsync.appset import TreeProvider, repo_tree_provider
from gitsync.controller.appsources import SourceRenderer, renderer_for
from gitsync.controller.config import ControllerConfig
from gitsync.render import Renderer
from gitsync.source import Credentials, HelmRepoCache, RepoCache, helm_credentials_from_env
from gitsync.source.gitauth import SecretCredentials
from gitsync.source.localrepos import LocalRepoPolicy


@dataclass(frozen=True)
class SourceStack:
    """Everything that reads repositories, sharing one set of credentials."""

    credentials: SecretCredentials  # Argo CD repository Secrets, then the environment's
    repos: RepoCache
    charts: HelmRepoCache
    # Every repoURL from Git passes this before anything is read: see localrepos.
    local_repos: LocalRepoPolicy
    renderer: Renderer
    sources: SourceRenderer

    @classmethod
    def from_config(cls, config: ControllerConfig, repos: RepoCache | None = None) -> SourceStack:
        """`repos`: a repository cache to use instead of a new one (closed with the rest)."""
        cache_dir = Path(config.cache_dir) if config.cache_dir else None
        credentials = SecretCredentials(Credentials.from_env(), helm_credentials_from_env())
        repos = repos or RepoCache(cache_dir, credentials)
        # The index TTL only merges the fetches of one poll's apps: every poll sees new charts.
        charts = HelmRepoCache(
            cache_dir / "helm" if cache_dir else None,
            index_ttl=min(config.poll_interval / 2, 30.0),
        )
        renderer = renderer_for(config, charts, credentials)
        return cls(
            credentials=credentials,
            repos=repos,
            charts=charts,
            local_repos=LocalRepoPolicy(config.repo, config.allow_local_repos),
            renderer=renderer,
            sources=SourceRenderer(repos, charts, renderer, credentials),
        )

    def generator_trees(self) -> TreeProvider:
        """A reader of the repositories ApplicationSet generators name, for one expansion
        (it remembers what it read), refusing local repositories the policy refuses."""
        return self.local_repos.guard(repo_tree_provider(self.repos))

    def close(self) -> None:
        self.renderer.close()
        self.repos.close()
        self.charts.close()
