"""The WSGI application of `gitsync serve`: webhook, health, metrics, status API and page.

Endpoints:
    POST /api/webhook                      push webhooks (202 queued, 200 ignored, 4xx refused)
    GET  /healthz                          200 while the process runs
    GET  /readyz                           200 once the controller is ready, else 503 + reason
    GET  /metrics                          Prometheus text format
    GET  /api/v1/applications              status of every app (JSON list)
    GET  /api/v1/applications/{name}       status of one app (404 when unknown)
    POST /api/v1/applications/{name}/sync  queue a sync now (202; 404 when unknown)
    GET  /                                 the web UI (`gitsync.server.ui`: pages, actions,
                                           the action API under /api/v1/applications/{name})

When an API token is configured, every ``/api/v1`` request needs
``Authorization: Bearer <token>``. Without one, reads stay open but state-changing
requests are refused (403) unless anonymous actions were allowed explicitly, and a
state-changing request must say ``Content-Type: application/json`` (415 otherwise), which
a browser cannot send cross-origin without a preflight. The webhook is authenticated per
provider instead (`gitsync.server.webhook`); health, metrics and the pages are open
(unless ``--ui-auth required``; page actions need a login, `gitsync.server.ui`).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CONTENT_TYPE_LATEST

from gitsync.metrics import Metrics
from gitsync.server.router import (
    JSON_TYPE,
    BadBody,
    BodyTooLarge,
    Request,
    Response,
    Router,
)
from gitsync.server.ui import WebUi
from gitsync.server.view import ControllerView
from gitsync.server.webhook import (
    UNKNOWN,
    WebhookRejected,
    WebhookSecrets,
    detect_provider,
    parse_webhook,
    verify_headers,
)

if TYPE_CHECKING:
    from gitsync.controller.config import ControllerConfig

log = structlog.get_logger()

DEFAULT_WEBHOOK_MAX_BYTES = 50 * 1024 * 1024
API_MAX_BODY_BYTES = 64 * 1024
WEBHOOK_ROUTE = "/api/webhook"
_API_PREFIX = "/api/v1/"
_WEBHOOK_RESULT = {400: "bad_request", 401: "unauthorized", 413: "too_large"}


@dataclass(frozen=True)
class ServerSettings:
    """What the HTTP layer is configured with (from `ControllerConfig` in `gitsync serve`)."""

    secrets: WebhookSecrets = field(default_factory=WebhookSecrets)
    api_token: str | None = None
    webhook_max_bytes: int = DEFAULT_WEBHOOK_MAX_BYTES
    title: str = "gitsync"
    ui_auth: str = "optional"  # "required": pages need a login too
    allow_anonymous_actions: bool = False

    @classmethod
    def from_config(cls, config: ControllerConfig) -> ServerSettings:
        """The HTTP settings of a `gitsync serve` configuration."""
        secrets = WebhookSecrets(
            github=config.github_secret,
            gitlab=config.gitlab_secret,
            gitea=config.gitea_secret,
            bitbucket_server=config.bitbucket_server_secret,
            bitbucket_uuid=config.bitbucket_uuid,
        )
        return cls(
            secrets,
            config.api_token or None,
            config.webhook_max_bytes,
            allow_anonymous_actions=config.insecure_allow_anonymous_actions,
            ui_auth=config.ui_auth,
        )

    def __repr__(self) -> str:
        token = "<set>" if self.api_token else None
        return (
            f"ServerSettings(secrets={self.secrets!r}, api_token={token}, "
            f"webhook_max_bytes={self.webhook_max_bytes}, "
            f"allow_anonymous_actions={self.allow_anonymous_actions})"
        )


class GitsyncApp:
    """gitsync's endpoints over a `ControllerView`, independent of the HTTP server: the
    server calls `begin` on the head, reads the body, then calls `finish`."""

    def __init__(
        self,
        controller: ControllerView,
        settings: ServerSettings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.controller = controller
        self.settings = settings or ServerSettings()
        self.metrics = metrics or Metrics()
        self.metrics.set_apps_source(controller.applications)
        self.router = Router()
        r = self.router
        r.add("POST", WEBHOOK_ROUTE, self.webhook)
        r.add("GET", "/healthz", self.healthz)
        r.add("GET", "/readyz", self.readyz)
        r.add("GET", "/metrics", self.prometheus)
        r.add("GET", "/api/v1/applications", self.list_applications)
        r.add("GET", "/api/v1/applications/{name}", self.get_application)
        # the pages, their actions and the action API (sync, refresh, terminate, ...)
        self.ui = WebUi(
            controller,
            api_token=self.settings.api_token,
            ui_auth=self.settings.ui_auth,
            allow_anonymous_actions=self.settings.allow_anonymous_actions,
            title=self.settings.title,
        )
        self.ui.register(r)

    def close(self) -> None:
        """Answer what waits (the web UI's event streams) now: the server is stopping."""
        self.ui.streams.close()

    # -- request flow ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Route and run one request whose body is in `request.stream`; never raises."""
        return self.begin(request) or self.finish(request)

    def begin(self, request: Request) -> Response | None:
        """Decide what the request line and headers alone decide, before any body is read:
        the refusal (counted in the metrics), or None to read at most `body_limit(request)`
        bytes of body into `request.stream` and call `finish`."""
        response = self._refusal(request)
        if response is not None:
            self.metrics.http_request(request.route or "unmatched", response.status)
        return response

    def body_limit(self, request: Request) -> int:
        """The largest body the routed request may have."""
        if request.route == WEBHOOK_ROUTE:
            return self.settings.webhook_max_bytes
        return 0 if request.method in _SAFE_METHODS else API_MAX_BODY_BYTES

    def finish(self, request: Request) -> Response:
        """Run the handler `begin` admitted; never raises."""
        handler = request.handler
        if handler is None:  # `begin` was skipped
            return self.handle(request)
        try:
            response = handler(request)
        except Exception:
            log.exception("http handler failed", route=request.route, method=request.method)
            response = Response.json(500, {"error": "internal error"})
        self.metrics.http_request(request.route or "unmatched", response.status)
        return response

    def _refusal(self, request: Request) -> Response | None:
        handler, status = self.router.resolve(request)
        if handler is None:
            allow = ", ".join(self.router.allowed(request.path))
            headers = [("Allow", allow)] if status == 405 else []
            return Response.json(status, {"error": _ERRORS[status]}, headers)
        request.handler = handler
        if request.path.startswith(_API_PREFIX) and (refusal := self._api_refusal(request)):
            return refusal
        webhook = request.route == WEBHOOK_ROUTE
        try:
            declared = request.content_length()
        except BadBody as err:
            rejected = WebhookRejected(400, str(err))
            return self._refuse(request, UNKNOWN, rejected) if webhook else _error(rejected)
        limit = self.body_limit(request)
        if declared is not None and declared > limit:
            too_large = WebhookRejected(
                413, f"body of {declared} bytes exceeds the limit of {limit}"
            )
            return (
                self._refuse(request, _provider(request), too_large)
                if webhook
                else _error(too_large)
            )
        if webhook:
            return self._unproven_webhook(request)
        return None

    def _unproven_webhook(self, request: Request) -> Response | None:
        """A delivery refused on its headers alone: no provider, or no proof of origin."""
        provider = UNKNOWN
        try:
            provider = detect_provider(request.headers)[0]
            verify_headers(provider, request.headers, self.settings.secrets)
        except WebhookRejected as err:
            return self._refuse(request, provider, err)
        return None

    # -- endpoints -------------------------------------------------------------------------
    def webhook(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            provider = detect_provider(request.headers)[0]
        except WebhookRejected:
            provider = UNKNOWN
        try:
            body = request.read_body(self.settings.webhook_max_bytes)
            delivery = parse_webhook(request.headers, body, self.settings.secrets)
        except BodyTooLarge as err:
            return self._refuse(request, provider, WebhookRejected(413, str(err)))
        except BadBody as err:
            return self._refuse(request, provider, WebhookRejected(400, str(err)))
        except WebhookRejected as err:
            return self._refuse(request, provider, err)
        if delivery.ignored:
            self.metrics.webhook(provider, "ignored")
            log.info("webhook ignored", provider=provider, webhook_event=delivery.event)
            return Response.json(
                200, {"provider": provider, "event": delivery.event, "ignored": True}
            )
        queued = 0
        try:
            for push in delivery.pushes:
                count = self.controller.on_push(push)
                queued += count
                log.info("webhook push", queued=count, **push.describe())
        except Exception:
            self.metrics.webhook(provider, "error")
            raise
        self.metrics.webhook(provider, "accepted", pushes=len(delivery.pushes))
        log.debug("webhook handled", provider=provider, ms=(time.perf_counter() - started) * 1e3)
        return Response.json(
            202,
            {
                "provider": provider,
                "event": delivery.event,
                "pushes": len(delivery.pushes),
                "queued": queued,
            },
        )

    def healthz(self, request: Request) -> Response:
        return Response.text(200, "ok")

    def readyz(self, request: Request) -> Response:
        if self.controller.ready():
            return Response.text(200, "ok")
        return Response.text(503, f"not ready: {self.controller.ready_reason()}")

    def prometheus(self, request: Request) -> Response:
        return Response(200, self.metrics.exposition(), CONTENT_TYPE_LATEST)

    def list_applications(self, request: Request) -> Response:
        return Response.json(200, {"items": [dict(a) for a in self.controller.applications()]})

    def get_application(self, request: Request) -> Response:
        name = request.params["name"]
        app = self.controller.application(name)
        if app is None:
            return Response.json(404, {"error": f"application {name!r} not found"})
        return Response.json(200, dict(app))

    # -- helpers ---------------------------------------------------------------------------
    def _api_refusal(self, request: Request) -> Response | None:
        """Why an ``/api/v1`` request may not proceed (401, 403, 415), or None."""
        token = self.settings.api_token
        changes_state = request.method not in _SAFE_METHODS
        if token:
            if not _bearer_matches(request, token):
                return Response.json(
                    401, {"error": "missing or invalid bearer token"}, _BEARER_CHALLENGE
                )
        elif changes_state and not self.settings.allow_anonymous_actions:
            return Response.json(403, {"error": _NO_TOKEN})
        if changes_state and not _is_json(request.headers.get("content-type", "")):
            return Response.json(415, {"error": "state-changing requests must be application/json"})
        return None

    def _refuse(self, request: Request, provider: str, err: WebhookRejected) -> Response:
        result = _WEBHOOK_RESULT.get(err.status_code, "rejected")
        if err.status_code == 400 and provider == UNKNOWN:
            result = "unknown_provider"
        self.metrics.webhook(provider, result)
        log.warning(
            "webhook refused",
            provider=provider,
            status=err.status_code,
            reason=err.reason,
            remote=request.remote_addr,
        )
        # After refusing an oversized body unread, the connection cannot be reused.
        headers = [("Connection", "close")] if err.status_code == 413 else []
        return Response.json(err.status_code, {"error": err.reason}, headers)


_ERRORS = {404: "not found", 405: "method not allowed"}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BEARER_CHALLENGE = [("WWW-Authenticate", "Bearer")]
_NO_TOKEN = (
    "actions need an API token: start the controller with --api-token "
    "(or, on a trusted network only, --insecure-allow-anonymous-actions)"
)


def _provider(request: Request) -> str:
    try:
        return detect_provider(request.headers)[0]
    except WebhookRejected:
        return UNKNOWN


def _error(err: WebhookRejected) -> Response:
    return Response.json(err.status_code, {"error": err.reason})


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == JSON_TYPE
