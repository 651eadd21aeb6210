"""The push event, and how each provider's push payload maps onto it. Pure.

Facts per provider (field names as the providers document them):
- GitHub, Gitea, Gogs: ``ref``, ``before``, ``after``; ``repository.html_url``,
  ``clone_url``, ``ssh_url`` (GitHub also ``git_url``); ``repository.default_branch``;
  ``commits[].added/modified/removed``. GitHub flags ``created``/``deleted``/``forced``;
  Gitea reports ``total_commits`` when it lists fewer commits than were pushed.
- GitLab: ``ref``, ``before``, ``after``, ``project.web_url``, ``git_http_url``,
  ``git_ssh_url``, ``project.default_branch``, ``commits[]`` (at most 20) and
  ``total_commits_count``.
- Bitbucket Server (``repo:refs_changed``): ``repository.links.clone[].href`` (http and
  ssh), ``changes[].ref.id`` (``refs/heads/x``), ``ref.type``, ``fromHash``, ``toHash``;
  no changed files.
- Bitbucket Cloud (``repo:push``): ``repository.links.html.href``, ``push.changes[]`` with
  ``new``/``old`` each ``{type: branch|tag, name, target.hash}`` (``new`` is null when the
  ref was deleted); no changed files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"
_ZERO_SHA = frozenset("0")
# GitHub lists at most this many commits in a push delivery; a full list may be truncated.
_MAX_LISTED_COMMITS = 2048


@dataclass(frozen=True)
class PushEvent:
    """One ref update reported by a Git host.

    - `repo_urls`: every URL form of the repository found in the payload (web, clone, ssh).
    - `branch`: the branch name (``refs/heads/a/b`` -> ``a/b``), or the tag name when
      `is_tag` is true.
    - `before` / `after`: commit SHAs; None when unknown, when the ref was just created
      (`before`) or when it was deleted (`after`).
    - `changed_files`: repository-relative paths touched by the push; None when the payload
      cannot tell (Bitbucket, forced or truncated pushes, new or deleted refs): then every
      app on the branch must be refreshed.
    - `default_branch`: the repository's default branch when the payload names it.
    """

    provider: str
    repo_urls: tuple[str, ...]
    branch: str
    is_tag: bool = False
    before: str | None = None
    after: str | None = None
    changed_files: frozenset[str] | None = None
    default_branch: str | None = None
    ref: str = ""

    def describe(self) -> dict[str, Any]:
        """A small JSON-able summary for logs and API answers."""
        return {
            "provider": self.provider,
            "repo": self.repo_urls[0] if self.repo_urls else "",
            "ref": self.ref,
            "after": self.after,
            "changed_files": None if self.changed_files is None else len(self.changed_files),
        }


def parse_push(provider: str, payload: dict[str, Any]) -> list[PushEvent]:
    """The pushes in one provider payload (usually one; none for refs that are not
    branches or tags). Raises KeyError/TypeError/ValueError on a malformed payload."""
    if provider in ("github", "gitea", "gogs"):
        return _github_like(provider, payload)
    if provider == "gitlab":
        return _gitlab(payload)
    if provider == "bitbucket-server":
        return _bitbucket_server(payload)
    if provider == "bitbucket":
        return _bitbucket_cloud(payload)
    raise ValueError(f"unknown provider {provider!r}")


def split_ref(ref: str) -> tuple[str, bool] | None:
    """``refs/heads/x`` -> (``x``, False); ``refs/tags/v1`` -> (``v1``, True); else None."""
    if ref.startswith(BRANCH_PREFIX):
        return ref[len(BRANCH_PREFIX) :], False
    if ref.startswith(TAG_PREFIX):
        return ref[len(TAG_PREFIX) :], True
    return None


def _github_like(provider: str, payload: dict[str, Any]) -> list[PushEvent]:
    ref = _text(payload["ref"], "ref")
    repo = _mapping(payload["repository"], "repository")
    urls = _urls(repo.get(key) for key in ("html_url", "clone_url", "ssh_url", "git_url"))
    commits = _commits(payload)
    listed_all = int(payload.get("total_commits") or len(commits)) <= len(commits)
    listed_all = listed_all and len(commits) < _MAX_LISTED_COMMITS
    # A new, deleted or force-pushed ref changes files its commit list does not show.
    flagged = any(payload.get(k) for k in ("created", "deleted", "forced"))
    both_ends = _sha(payload.get("before")) is not None and _sha(payload.get("after")) is not None
    complete = listed_all and both_ends and not flagged
    event = _event(
        provider,
        ref,
        urls,
        before=payload.get("before"),
        after=payload.get("after"),
        changed=_changed_files(commits) if complete else None,
        default_branch=repo.get("default_branch"),
    )
    return [event] if event else []


def _gitlab(payload: dict[str, Any]) -> list[PushEvent]:
    ref = _text(payload["ref"], "ref")
    project = _mapping(payload.get("project") or {}, "project")
    repository = _mapping(payload.get("repository") or {}, "repository")
    urls = _urls(
        [
            project.get("web_url"),
            project.get("git_http_url"),
            project.get("git_ssh_url"),
            repository.get("homepage"),
            repository.get("git_http_url"),
            repository.get("git_ssh_url"),
        ]
    )
    commits = _commits(payload)
    total = int(payload.get("total_commits_count") or len(commits))
    before, after = _sha(payload.get("before")), _sha(payload.get("after"))
    complete = total <= len(commits) and before is not None and after is not None
    event = _event(
        "gitlab",
        ref,
        urls,
        before=before,
        after=after,
        changed=_changed_files(commits) if complete else None,
        default_branch=project.get("default_branch"),
    )
    return [event] if event else []


def _bitbucket_server(payload: dict[str, Any]) -> list[PushEvent]:
    repo = _mapping(payload["repository"], "repository")
    links = _mapping(repo.get("links") or {}, "repository.links")
    clone = links.get("clone") or []
    urls = _urls(link.get("href") for link in clone if isinstance(link, dict))
    events = []
    for change in payload["changes"]:
        ref_obj = _mapping(change.get("ref") or {}, "changes[].ref")
        ref = _text(ref_obj.get("id") or change.get("refId"), "changes[].ref.id")
        event = _event(
            "bitbucket-server",
            ref,
            urls,
            before=change.get("fromHash"),
            after=change.get("toHash"),
            changed=None,
            default_branch=None,
        )
        if event:
            events.append(event)
    return events


def _bitbucket_cloud(payload: dict[str, Any]) -> list[PushEvent]:
    repo = _mapping(payload["repository"], "repository")
    links = _mapping(repo.get("links") or {}, "repository.links")
    html = _mapping(links.get("html") or {}, "repository.links.html")
    urls = _urls([html.get("href")])
    if not urls and repo.get("full_name"):
        urls = (f"https://bitbucket.org/{repo['full_name']}",)
    events = []
    for change in _mapping(payload["push"], "push")["changes"]:
        new, old = change.get("new"), change.get("old")
        current = _mapping(new or old or {}, "push.changes[].new")
        kind = current.get("type")
        if kind not in ("branch", "tag"):
            continue
        name = _text(current.get("name"), "push.changes[].new.name")
        ref = (TAG_PREFIX if kind == "tag" else BRANCH_PREFIX) + name
        event = _event(
            "bitbucket",
            ref,
            urls,
            before=_target_hash(old),
            after=_target_hash(new),
            changed=None,
            default_branch=None,
        )
        if event:
            events.append(event)
    return events


def _event(
    provider: str,
    ref: str,
    urls: tuple[str, ...],
    *,
    before: Any,
    after: Any,
    changed: frozenset[str] | None,
    default_branch: Any,
) -> PushEvent | None:
    parts = split_ref(ref)
    if parts is None:
        return None  # refs/pull/..., refs/notes/...: nothing an app can target
    name, is_tag = parts
    return PushEvent(
        provider=provider,
        repo_urls=urls,
        branch=name,
        is_tag=is_tag,
        before=_sha(before),
        after=_sha(after),
        changed_files=changed if changed else None,
        default_branch=default_branch if isinstance(default_branch, str) else None,
        ref=ref,
    )


def _commits(payload: dict[str, Any]) -> list[dict[str, Any]]:
    commits = payload.get("commits") or []
    if not isinstance(commits, list):
        raise TypeError("commits is not a list")
    return [c for c in commits if isinstance(c, dict)]


def _changed_files(commits: list[dict[str, Any]]) -> frozenset[str]:
    files: set[str] = set()
    for commit in commits:
        for key in ("added", "modified", "removed"):
            files.update(p for p in commit.get(key) or [] if isinstance(p, str))
    return frozenset(files)


def _urls(candidates: Iterable[Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for url in candidates:
        if isinstance(url, str) and url.strip():
            seen.setdefault(url.strip(), None)
    return tuple(seen)


def _sha(value: Any) -> str | None:
    if not isinstance(value, str) or not value or set(value) <= _ZERO_SHA:
        return None
    return value


def _target_hash(ref_state: Any) -> str | None:
    if not isinstance(ref_state, dict):
        return None
    target = ref_state.get("target")
    return _sha(target.get("hash")) if isinstance(target, dict) else None


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} is missing or not a string")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value
