"""What each source stands for now: the commit SHA of a Git source, the version of a Helm
repository chart, resolved once per poll and cached between polls.

A reconcile asks for the cached answer and reaches the network only for a source it
never resolved, or one a push or a refresh marked stale; a poll resolves every source
again. An unreachable repository keeps the last answer (and the error, shown as the
app's `SourceError`), so a network blip never turns an app's revision into nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import structlog

from gitsync.errors import GitsyncError
from gitsync.metrics import Metrics
from gitsync.model import Application, SourceKey
from gitsync.source import HelmRepoCache, RepoCache, redact_url
from gitsync.source.credentials import BasicAuth
from gitsync.source.localrepos import LocalRepoPolicy

log = structlog.get_logger("gitsync.controller")


class Revisions:
    """Source -> SHA (or chart version) cache, with staleness and the last fetch error per
    source. Thread-safe; the network is reached outside the lock."""

    def __init__(
        self,
        repos: RepoCache,
        charts: HelmRepoCache,
        chart_credentials: BasicAuth | None,
        local_repos: LocalRepoPolicy,
        metrics: Metrics,
    ) -> None:
        self._repos = repos
        self._charts = charts
        self._chart_credentials = chart_credentials
        self._local_repos = local_repos
        self._metrics = metrics
        self._lock = threading.Lock()
        self._shas: dict[SourceKey, str] = {}
        self._stale: set[SourceKey] = set()
        self._errors: dict[SourceKey, str] = {}

    def resolve(self, key: SourceKey, *, force: bool) -> str:
        """The SHA (or version) `key` stands for: the cached one unless `force`d or stale."""
        repo = key.repo
        with self._lock:
            known = self._shas.get(key)
            force = force or key in self._stale
        if known and not force:
            return known
        started = time.perf_counter()
        try:
            self._local_repos.check(repo)
            if key.chart:
                sha = self._charts.resolve(repo, key.chart, key.revision, self._chart_credentials)
            else:
                sha = self._repos.resolve(repo, key.revision)
        except GitsyncError as err:
            self._metrics.git_fetch(redact_url(repo), time.perf_counter() - started, False)
            with self._lock:
                self._errors[key] = str(err)
            if known:
                log.warning("git unreachable, keeping last revision", repo=redact_url(repo))
                return known
            raise
        self._metrics.git_fetch(redact_url(repo), time.perf_counter() - started, True)
        with self._lock:
            self._errors.pop(key, None)
            self._stale.discard(key)
            self._shas[key] = sha
        return sha

    def mark_stale(self, keys: Iterable[SourceKey]) -> None:
        """The next `resolve` of each key reaches the network (a push or a refresh)."""
        with self._lock:
            self._stale.update(keys)

    def errors_of(self, keys: Iterable[SourceKey]) -> list[str]:
        """Why the last fetch of each of `keys` failed, for those that failed."""
        with self._lock:
            return [self._errors[key] for key in keys if self._errors.get(key)]

    def wanted(self, app: Application) -> str | None:
        """The revision `app` is wanted at as last resolved; None while a source is unknown."""
        with self._lock:
            return app.revision_of(self._shas)

    def resolve_pin(self, app: Application, revision: str) -> str:
        """The SHA a `sync --revision` or a rollback names, in the app's one Git source."""
        return self._repos.resolve(app.sources[0].repo_url, revision)

    def commit_summary(self, app: Application, sha: str) -> str:
        """What people read beside the revision; empty for charts and several sources."""
        sources = app.rendered_sources or app.sources
        if len(sources) != 1 or sources[0].chart or not sha:
            return ""
        try:
            return self._repos.commit_summary(sources[0].repo_url, sha)
        except GitsyncError as err:
            log.warning("cannot read the commit", error=str(err))
            return ""
