from __future__ import annotations

import pytest

from gitsync.push.matching import (
    app_matches_push,
    paths_match,
    refresh_paths_for,
    revision_matches,
)
from gitsync.push.payloads import PushEvent

REPO = "https://github.com/Example-Org/platform-deploy"


def push(
    branch: str = "main",
    *,
    is_tag: bool = False,
    files: set[str] | None = None,
    default_branch: str | None = "main",
    urls: tuple[str, ...] = (REPO, "git@github.com:Example-Org/platform-deploy.git"),
) -> PushEvent:
    return PushEvent(
        provider="github",
        repo_urls=urls,
        branch=branch,
        is_tag=is_tag,
        changed_files=None if files is None else frozenset(files),
        default_branch=default_branch,
        ref=("refs/tags/" if is_tag else "refs/heads/") + branch,
    )


# -- repository -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "app_repo",
    [
        "git@github.com:example-org/platform-deploy.git",
        "ssh://git@ssh.github.com:443/Example-Org/platform-deploy",
        "https://github.com/Example-Org/platform-deploy.git",
    ],
)
def test_any_url_form_of_the_repo_matches(app_repo: str) -> None:
    assert app_matches_push(app_repo, "HEAD", "apps/web", None, push())


def test_other_repo_never_matches() -> None:
    assert not app_matches_push("https://github.com/Example-Org/other", "HEAD", ".", None, push())


# -- revision ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "event", "default", "expected"),
    [
        ("HEAD", push("main"), None, True),
        ("", push("main"), None, True),
        (None, push("main"), None, True),
        ("HEAD", push("dev"), None, False),
        ("HEAD", push("dev"), "dev", True),  # the controller's default branch wins
        ("HEAD", push("dev", default_branch=None), None, True),  # unknown HEAD: refresh
        ("HEAD", push("main", is_tag=True), None, False),  # a tag never moves HEAD
        ("main", push("main"), None, True),
        ("main", push("dev"), None, False),
        ("refs/heads/main", push("main"), None, True),
        ("refs/heads/main", push("main", is_tag=True), None, False),
        ("feature/x", push("feature/x"), None, True),
        ("feature/x", push("x"), None, False),
        ("v1.4.0", push("v1.4.0", is_tag=True), None, True),  # moved or new tag
        ("refs/tags/v1.4.0", push("v1.4.0", is_tag=True), None, True),
        ("refs/tags/v1.4.0", push("v1.4.0"), None, False),
        ("v1.4.0", push("main"), None, False),
        ("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", push("main"), None, False),
        ("1.2.*", push("main"), None, False),
    ],
)
def test_revision_matching(
    target: str | None, event: PushEvent, default: str | None, expected: bool
) -> None:
    assert revision_matches(target, event, default) is expected


# -- manifest-generate-paths ------------------------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "source_path", "expected"),
    [
        (".", "apps/web", ["apps/web"]),
        ("./", "apps/web", ["apps/web"]),
        ("..", "apps/web", ["apps"]),
        ("../shared;.", "apps/web", ["apps/shared", "apps/web"]),
        ("/shared", "apps/web", ["shared"]),
        ("/", "apps/web", [""]),
        (" . ; /shared/netpol.yaml ;", "apps/web/", ["apps/web", "shared/netpol.yaml"]),
        (".", ".", [""]),
        ("values", "", ["values"]),
        ("", "apps/web", []),
        (None, "apps/web", []),
    ],
)
def test_refresh_paths(annotation: str | None, source_path: str, expected: list[str]) -> None:
    assert refresh_paths_for(annotation, source_path) == expected


@pytest.mark.parametrize(
    ("annotation", "files", "expected"),
    [
        (".", {"apps/web/deployment.yaml"}, True),
        (".", {"apps/api/deployment.yaml"}, False),
        (".", {"apps/web-canary/deployment.yaml"}, False),  # prefix of a name is not "under"
        (".", {"README.md", "apps/web/sub/dir/x.yaml"}, True),
        ("/shared", {"shared/netpol.yaml"}, True),
        ("/shared", {"apps/web/x.yaml"}, False),
        (".;/shared", {"shared/netpol.yaml"}, True),
        (".;/shared", {"docs/index.md"}, False),
        ("../common", {"apps/common/labels.yaml"}, True),
        ("/shared/netpol.yaml", {"shared/netpol.yaml"}, True),
        ("/apps/*/values.yaml", {"apps/api/values.yaml"}, True),
        ("/apps/*/values.yaml", {"apps/api/deploy.yaml"}, False),
        ("/apps/*", {"apps/api/deploy.yaml"}, True),
        ("/", {"anything/at/all"}, True),
        (".", None, True),  # changed files unknown: refresh
        (".", set(), True),
        (None, {"docs/index.md"}, True),  # no annotation: every change counts
    ],
)
def test_manifest_generate_paths(
    annotation: str | None, files: set[str] | None, expected: bool
) -> None:
    event = push(files=files)
    assert app_matches_push(REPO, "HEAD", "apps/web", annotation, event) is expected


def test_paths_match_ignores_leading_slash_or_dot_in_changed_files() -> None:
    assert paths_match(["apps/web"], ["/apps/web/a.yaml"])
    assert paths_match(["apps/web"], ["./apps/web/a.yaml"])


def test_all_three_conditions_are_needed() -> None:
    event = push("main", files={"apps/web/deployment.yaml"})
    assert app_matches_push(REPO, "main", "apps/web", ".", event)
    assert not app_matches_push(REPO, "dev", "apps/web", ".", event)
    assert not app_matches_push(REPO, "main", "apps/api", ".", event)
    assert not app_matches_push(REPO + "-x", "main", "apps/web", ".", event)
