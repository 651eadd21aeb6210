"""The HTTP side of `gitsync serve`: webhooks, health, readiness, metrics, status API/page.

Public API (what the controller and the CLI use):
- `parse_webhook`, `WebhookSecrets`, `WebhookDelivery`, `WebhookRejected`, `PushEvent`
- `normalize_repo_url`, `app_matches_push`
- `Metrics`
- `ControllerView` (implemented by the controller)
- `GitsyncApp`, `ServerSettings`, `HttpServer`
"""

from gitsync.metrics import Metrics
from gitsync.push.matching import MANIFEST_GENERATE_PATHS, app_matches_push
from gitsync.push.payloads import PushEvent
from gitsync.push.repourl import normalize_repo_url, same_repo
from gitsync.server.app import DEFAULT_WEBHOOK_MAX_BYTES, GitsyncApp, ServerSettings
from gitsync.server.http import HttpLimits, HttpServer, parse_listen
from gitsync.server.view import ControllerView
from gitsync.server.webhook import (
    WebhookDelivery,
    WebhookRejected,
    WebhookSecrets,
    parse_webhook,
)

__all__ = [
    "DEFAULT_WEBHOOK_MAX_BYTES",
    "MANIFEST_GENERATE_PATHS",
    "ControllerView",
    "GitsyncApp",
    "HttpLimits",
    "HttpServer",
    "Metrics",
    "PushEvent",
    "ServerSettings",
    "WebhookDelivery",
    "WebhookRejected",
    "WebhookSecrets",
    "app_matches_push",
    "normalize_repo_url",
    "parse_listen",
    "parse_webhook",
    "same_repo",
]
