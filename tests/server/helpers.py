"""Building webhook deliveries from the fixtures, signed the way each provider signs."""

from __future__ import annotations

from pathlib import Path

from gitsync.server.webhook import sign

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"

SECRET = "It's a Secret to Everybody"
BITBUCKET_UUID = "{4f2f7a44-8d51-4e3b-9f7e-0c1a2b3c4d5e}"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def github_headers(
    payload: bytes, event: str = "push", secret: str | None = SECRET
) -> dict[str, str]:
    headers = {"X-GitHub-Event": event, "Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = "sha256=" + sign(secret, payload)
    return headers


def gitlab_headers(event: str = "Push Hook", token: str | None = SECRET) -> dict[str, str]:
    headers = {"X-Gitlab-Event": event, "Content-Type": "application/json"}
    if token is not None:
        headers["X-Gitlab-Token"] = token
    return headers


def gitea_headers(
    payload: bytes, event: str = "push", secret: str | None = SECRET
) -> dict[str, str]:
    # Gitea sends its own, Gogs' and GitHub's headers together.
    headers = {"X-Gitea-Event": event, "X-Gogs-Event": event, "X-GitHub-Event": event}
    if secret is not None:
        headers["X-Gitea-Signature"] = sign(secret, payload)
        headers["X-Gogs-Signature"] = sign(secret, payload)
    return headers


def gogs_headers(
    payload: bytes, event: str = "push", secret: str | None = SECRET
) -> dict[str, str]:
    headers = {"X-Gogs-Event": event}
    if secret is not None:
        headers["X-Gogs-Signature"] = sign(secret, payload)
    return headers


def bitbucket_server_headers(
    payload: bytes, event: str = "repo:refs_changed", secret: str | None = SECRET
) -> dict[str, str]:
    headers = {"X-Event-Key": event, "X-Request-Id": "a1b2c3d4-0000-4000-8000-000000000000"}
    if secret is not None:
        headers["X-Hub-Signature"] = "sha256=" + sign(secret, payload)
    return headers


def bitbucket_cloud_headers(event: str = "repo:push", uuid: str = BITBUCKET_UUID) -> dict[str, str]:
    return {"X-Event-Key": event, "X-Hook-UUID": uuid.strip("{}"), "X-Request-UUID": "r-1"}
