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
``Authorization: Bearer <token>``. The webhook is authenticated per provider instead
(`gitsync.server.webhook`), and the health, metrics and status page endpoints are open.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST

from gitsync.metrics import Metrics
from gitsync.server.router import (
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
)

if TYPE_CHECKING:
    from gitsync.controller.config import ControllerConfig

log = structlog.get_logger()

DEFAULT_WEBHOOK_MAX_BYTES = 50 * 1024 * 1024
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
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
            secrets, config.api_token or None, config.webhook_max_bytes, ui_auth=config.ui_auth
        )

    def __repr__(self) -> str:
        token = "<set>" if self.api_token else None
        return (
            f"ServerSettings(secrets={self.secrets!r}, api_token={token}, "
            f"webhook_max_bytes={self.webhook_max_bytes})"
        )


class GitsyncApp:
    """A WSGI callable serving gitsync's endpoints from a `ControllerView`."""

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
        r.add("POST", "/api/webhook", self.webhook)
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
            allow_anonymous_actions=getattr(self.settings, "allow_anonymous_actions", False),
            title=self.settings.title,
        )
        self.ui.register(r)

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        response = self.handle(request)
        start_response(response.status_line(), response.wsgi_headers())
        return [b"" if request.method == "HEAD" else response.body]

    def handle(self, request: Request) -> Response:
        """Route and run one request; never raises."""
        handler, status = self.router.resolve(request)
        if handler is None:
            allow = ", ".join(self.router.allowed(request.path))
            headers = [("Allow", allow)] if status == 405 else []
            response = Response.json(status, {"error": _ERRORS[status]}, headers)
        elif request.path.startswith(_API_PREFIX) and not self._authorized(request):
            response = Response.json(
                401, {"error": "missing or invalid bearer token"}, [("WWW-Authenticate", "Bearer")]
            )
        else:
            try:
                response = handler(request)
            except Exception:
                log.exception("http handler failed", route=request.route, method=request.method)
                response = Response.json(500, {"error": "internal error"})
        self.metrics.http_request(request.route or "unmatched", response.status)
        return response

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
    def _authorized(self, request: Request) -> bool:
        token = self.settings.api_token
        if not token:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), token.encode())

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
