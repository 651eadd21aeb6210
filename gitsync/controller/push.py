"""Which apps a push concerns (pure): repo URL, branch and manifest-generate-paths."""

from __future__ import annotations

from collections.abc import Iterable

from gitsync.model import Application
from gitsync.push.matching import MANIFEST_GENERATE_PATHS, app_matches_push
from gitsync.push.payloads import PushEvent


def apps_for_push(apps: Iterable[Application], event: PushEvent) -> list[Application]:
    """The Applications whose source `event` may have changed, sorted by name."""
    matched = [app for app in apps if _any_source_matches(app, event)]
    return sorted(matched, key=lambda a: a.name)


def _any_source_matches(app: Application, event: PushEvent) -> bool:
    return any(
        not source.chart  # a Git push does not change a Helm repository's charts
        and app_matches_push(
            source.repo_url,
            source.target_revision,
            source.path,
            app.annotations.get(MANIFEST_GENERATE_PATHS),
            event,
        )
        for source in app.sources
    )


def root_matches_push(repo: str, revision: str, path: str, event: PushEvent) -> bool:
    """Whether the push may change the root path's Applications and ApplicationSets."""
    return app_matches_push(repo, revision, path, None, event)
