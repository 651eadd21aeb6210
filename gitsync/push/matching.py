"""Which apps a push concerns. Pure.

An app source is refreshed by a push when all three hold:
1. the repository is the same (`gitsync.push.repourl.normalize_repo_url`);
2. the pushed ref is the one the app follows (see `revision_matches`);
3. with ``argocd.argoproj.io/manifest-generate-paths``, a changed file lies under one of
   the listed paths (see `paths_match`); a push whose changed files are unknown always
   matches.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache

from gitsync.push.payloads import BRANCH_PREFIX, TAG_PREFIX, PushEvent
from gitsync.push.repourl import normalize_repo_url

MANIFEST_GENERATE_PATHS = "argocd.argoproj.io/manifest-generate-paths"


def app_matches_push(
    app_repo_url: str,
    app_target_revision: str | None,
    app_source_path: str | None,
    manifest_generate_paths_annotation: str | None,
    event: PushEvent,
    default_branch: str | None = None,
) -> bool:
    """True when `event` should refresh an app source with these settings.

    `default_branch` is the repository's default branch as the controller knows it (from
    the remote's HEAD); when None, the one named in the payload is used; when neither is
    known, a branch push counts as touching HEAD (refresh rather than miss a change).
    """
    if not repo_matches(app_repo_url, event.repo_urls):
        return False
    if not revision_matches(app_target_revision, event, default_branch):
        return False
    refresh_paths = refresh_paths_for(manifest_generate_paths_annotation, app_source_path)
    return paths_match(refresh_paths, event.changed_files)


def repo_matches(app_repo_url: str, event_urls: Iterable[str]) -> bool:
    """True when the app's repoURL names the same repository as any URL of the event."""
    wanted = normalize_repo_url(app_repo_url)
    return any(normalize_repo_url(url) == wanted for url in event_urls)


def revision_matches(
    target_revision: str | None, event: PushEvent, default_branch: str | None = None
) -> bool:
    """Whether a push of `event`'s ref moves what `target_revision` points at.

    Argo CD's rules, with the ref kind respected when the revision spells it out:
    - ``HEAD`` or empty: a push to the default branch (never a tag push);
    - ``refs/heads/x``: a push of branch ``x`` only; ``refs/tags/x``: of tag ``x`` only;
    - a bare name: a branch or tag push of that name. A commit SHA or a semver range never
      equals a pushed ref name, so such apps are left to polling.
    """
    target = (target_revision or "").strip()
    if target in ("", "HEAD"):
        if event.is_tag:
            return False
        head = default_branch or event.default_branch
        return head is None or head == event.branch
    if target.startswith(BRANCH_PREFIX):
        return not event.is_tag and event.branch == target[len(BRANCH_PREFIX) :]
    if target.startswith(TAG_PREFIX):
        return event.is_tag and event.branch == target[len(TAG_PREFIX) :]
    return event.branch == target


def refresh_paths_for(annotation: str | None, source_path: str | None) -> list[str]:
    """The repository-relative paths listed by a manifest-generate-paths annotation.

    Items are ``;``-separated; one starting with ``/`` is relative to the repository root,
    any other to the app's source path (so ``.`` is the source path itself). An empty
    result means the annotation is absent and every change counts.
    """
    if not annotation:
        return []
    base = (source_path or "").strip().strip("/")
    paths = []
    for raw in annotation.split(";"):
        item = raw.strip()
        if not item:
            continue
        joined = item.lstrip("/") if item.startswith("/") else posixpath.join(base, item)
        paths.append(_clean(joined))
    return paths


def paths_match(refresh_paths: list[str], changed_files: Iterable[str] | None) -> bool:
    """True when a changed file is one of, or under one of, `refresh_paths` (glob patterns
    with ``*``, ``?`` and ``[...]`` allowed, ``*`` not crossing ``/``). No paths, or unknown
    changed files, always match."""
    if not refresh_paths or changed_files is None:
        return True
    files = [_clean(f) for f in changed_files]
    if not files:
        return True
    for path in refresh_paths:
        if path == "":
            return True  # the repository root: everything is under it
        prefix = path + "/"
        pattern = _glob(path) if _has_glob(path) else None
        for changed in files:
            if changed == path or changed.startswith(prefix):
                return True
            if pattern is not None and pattern.match(changed):
                return True
    return False


def _clean(path: str) -> str:
    """A repository-relative path without leading ``/`` or ``./``, ``.`` for the root -> ""."""
    normal = posixpath.normpath("/" + path.strip()).lstrip("/")
    return "" if normal == "." else normal


def _has_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A path glob where ``*`` and ``?`` never match ``/`` (like Go's filepath.Match).

    A match of the pattern also covers everything below it, so ``apps/*`` matches
    ``apps/web/deploy.yaml``.
    """
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?$")
