"""Push webhooks from Git hosts: recognise the provider, check the signature, parse the push.

Pure: takes the request headers and raw body, returns data or raises `WebhookRejected`.
The HTTP layer (`gitsync.server.app`) maps the rejection to a status code.

Providers are told apart by a header, in this order (the order matters: Gitea and Gogs
also send GitHub's header, and Bitbucket Cloud also sends Bitbucket Server's):

| header                         | provider           | proof of origin                          |
| ------------------------------ | ------------------ | ---------------------------------------- |
| X-Gitea-Event / X-Gogs-Event   | gitea / gogs       | hex HMAC-SHA256 in X-Gitea/Gogs-Signature |
| X-GitHub-Event                 | github             | ``sha256=<hex>`` in X-Hub-Signature-256   |
| X-Gitlab-Event                 | gitlab             | X-Gitlab-Token equals the secret         |
| X-Hook-UUID                    | bitbucket (Cloud)  | X-Hook-UUID equals the configured UUID   |
| X-Event-Key                    | bitbucket-server   | ``sha256=<hex>`` in X-Hub-Signature       |

A provider with a secret configured only accepts deliveries that prove it; a provider with
no secret configured accepts unsigned deliveries (Argo CD does the same). Every comparison
is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitsync.errors import GitsyncError
from gitsync.push.payloads import PushEvent, parse_push

GITHUB = "github"
GITLAB = "gitlab"
GITEA = "gitea"
GOGS = "gogs"
BITBUCKET_SERVER = "bitbucket-server"
BITBUCKET_CLOUD = "bitbucket"
UNKNOWN = "unknown"
PROVIDERS = (GITHUB, GITLAB, GITEA, GOGS, BITBUCKET_SERVER, BITBUCKET_CLOUD)

# Event names (per provider) that describe a push; every other event is acknowledged and
# ignored. GitLab system hooks carry pushes too, recognised by their object_kind.
_PUSH_EVENTS = {
    GITHUB: {"push"},
    GITEA: {"push"},
    GOGS: {"push"},
    GITLAB: {"Push Hook", "Tag Push Hook", "System Hook"},
    BITBUCKET_SERVER: {"repo:refs_changed"},
    BITBUCKET_CLOUD: {"repo:push"},
}
_GITLAB_PUSH_KINDS = {"push", "tag_push"}


class WebhookRejected(GitsyncError):
    """A delivery that is refused. `status_code` is the HTTP answer (400, 401, 413)."""

    def __init__(self, status_code: int, reason: str) -> None:
        self.status_code = status_code
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class WebhookSecrets:
    """What proves a delivery's origin, per provider. None or "" means not configured.

    `gitea` serves both Gitea and Gogs (they sign the same way).
    """

    github: str | None = None
    gitlab: str | None = None
    gitea: str | None = None
    bitbucket_server: str | None = None
    bitbucket_uuid: str | None = None

    def __repr__(self) -> str:
        # Never show a secret, even in a traceback or a debug log.
        configured = [f.replace("_", "-") for f in self.__dataclass_fields__ if getattr(self, f)]
        return f"WebhookSecrets(configured={configured})"


@dataclass(frozen=True)
class WebhookDelivery:
    """One accepted delivery: the provider, its event name, and the pushes it carries.

    `pushes` is empty for pings and for events that are not pushes (acknowledged, ignored).
    Bitbucket Server can report several refs in one delivery, hence a tuple.
    """

    provider: str
    event: str
    pushes: tuple[PushEvent, ...] = field(default_factory=tuple)

    @property
    def ignored(self) -> bool:
        return not self.pushes


def detect_provider(headers: Mapping[str, str]) -> tuple[str, str]:
    """(provider, event name) from the headers; raises 400 when no known header is present."""
    lower = _lower_keys(headers)
    if lower.get("x-gitea-event"):
        return GITEA, lower["x-gitea-event"]
    if lower.get("x-gogs-event"):
        return GOGS, lower["x-gogs-event"]
    if lower.get("x-github-event"):
        return GITHUB, lower["x-github-event"]
    if lower.get("x-gitlab-event"):
        return GITLAB, lower["x-gitlab-event"]
    if lower.get("x-hook-uuid"):
        return BITBUCKET_CLOUD, lower.get("x-event-key", "")
    if lower.get("x-event-key"):
        return BITBUCKET_SERVER, lower["x-event-key"]
    raise WebhookRejected(400, "unknown webhook provider: no recognised event header")


def parse_webhook(
    headers: Mapping[str, str], body: bytes, secrets: WebhookSecrets
) -> WebhookDelivery:
    """Verify and parse one delivery. Raises `WebhookRejected` (400 or 401).

    The signature is checked before the body is parsed, so an unauthenticated sender
    cannot make gitsync parse anything.
    """
    lower = _lower_keys(headers)
    provider, event = detect_provider(lower)
    verify_origin(provider, lower, body, secrets)
    if event not in _PUSH_EVENTS[provider]:
        return WebhookDelivery(provider, event)
    payload = _decode_payload(lower.get("content-type", ""), body)
    if provider == GITLAB and payload.get("object_kind") not in _GITLAB_PUSH_KINDS:
        return WebhookDelivery(provider, event)
    try:
        pushes = parse_push(provider, payload)
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise WebhookRejected(400, f"malformed {provider} push payload: {err!s}") from None
    return WebhookDelivery(provider, event, tuple(pushes))


def verify_origin(
    provider: str, headers: Mapping[str, str], body: bytes, secrets: WebhookSecrets
) -> None:
    """Raise 401 unless the delivery proves it comes from the configured provider.

    `headers` must have lower-case keys. A provider with nothing configured accepts all.
    """
    verify_headers(provider, headers, secrets)
    secret, signature, prefixed = _hmac_proof(provider, headers, secrets)
    if secret and signature:
        _check_hmac(secret, _signature_value(signature, prefixed), body)


def verify_headers(provider: str, headers: Mapping[str, str], secrets: WebhookSecrets) -> None:
    """The part of `verify_origin` that needs no body, so that a sender without proof is
    refused before its body is read: the whole check for GitLab's token and Bitbucket
    Cloud's UUID, the presence and form of the signature for the HMAC providers."""
    lower = _lower_keys(headers)
    if provider == GITLAB:
        _check_equal(secrets.gitlab, lower.get("x-gitlab-token"), "X-Gitlab-Token")
    elif provider == BITBUCKET_CLOUD:
        expected = _bare_uuid(secrets.bitbucket_uuid) if secrets.bitbucket_uuid else None
        _check_equal(expected, _bare_uuid(lower.get("x-hook-uuid", "")), "X-Hook-UUID")
    else:
        secret, signature, prefixed = _hmac_proof(provider, lower, secrets)
        if secret:
            if not signature:
                raise WebhookRejected(401, "missing signature")
            _signature_value(signature, prefixed)


def _hmac_proof(
    provider: str, headers: Mapping[str, str], secrets: WebhookSecrets
) -> tuple[str | None, str | None, bool]:
    """(secret, signature header, whether it reads ``sha256=<hex>``) of an HMAC provider."""
    if provider == GITHUB:
        return secrets.github, headers.get("x-hub-signature-256"), True
    if provider in (GITEA, GOGS):
        signature = headers.get("x-gitea-signature") or headers.get("x-gogs-signature")
        return secrets.gitea, signature, False
    if provider == BITBUCKET_SERVER:
        return secrets.bitbucket_server, headers.get("x-hub-signature"), True
    return None, None, False


def sign(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body`, as the providers compute it (useful to senders/tests)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signature_value(signature: str, prefixed: bool) -> str:
    provided = signature.strip()
    if prefixed:
        algorithm, sep, provided = provided.partition("=")
        if not sep or algorithm.lower() != "sha256":
            raise WebhookRejected(401, "unsupported signature format (want sha256=<hex>)")
    return provided


def _check_hmac(secret: str, provided: str, body: bytes) -> None:
    expected = sign(secret, body)
    if not hmac.compare_digest(expected.encode(), provided.lower().encode()):
        raise WebhookRejected(401, "signature mismatch")


def _check_equal(expected: str | None, provided: str | None, what: str) -> None:
    if not expected:
        return
    if not provided:
        raise WebhookRejected(401, f"missing {what}")
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        raise WebhookRejected(401, f"{what} mismatch")


def _bare_uuid(value: str) -> str:
    """Bitbucket shows UUIDs as ``{...}``; compare without braces, case-insensitively."""
    return value.strip().strip("{}").lower()


def _decode_payload(content_type: str, body: bytes) -> dict[str, Any]:
    """The JSON object of the delivery; GitHub and Gogs may also send it form-encoded."""
    raw: bytes | str = body
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "payload" not in form:
            raise WebhookRejected(400, "form-encoded delivery without a payload field")
        raw = form["payload"][0]
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise WebhookRejected(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    return payload


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}
