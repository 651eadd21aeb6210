"""The web UI of `gitsync serve`: server-rendered pages, page actions behind a login,
the action API and live updates. `WebUi.register` adds its routes to the app's router.

Pages work without JavaScript; a small script (served from here, the Content-Security-
Policy allows no other) swaps in live regions when `/ui/events` says something changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote

import structlog

from gitsync.server.router import HTML_TYPE, BadBody, BodyTooLarge, Request, Response, Router
from gitsync.server.ui import actions
from gitsync.server.ui.apppage import notice_text, render_app
from gitsync.server.ui.appsetpage import apps_of, render_appset
from gitsync.server.ui.assets import CSS, JS
from gitsync.server.ui.events import EventStreams, digest
from gitsync.server.ui.html import e, layout
from gitsync.server.ui.listpage import Filters, render_list
from gitsync.server.ui.session import Session, Sessions, clear_cookie, csrf_ok, set_cookie
from gitsync.server.view import ActionRefused, ControllerView

log = structlog.get_logger()

UI_AUTH_MODES = ("optional", "required")
NO_TOKEN = (
    "actions need an API token: start the controller with --api-token "
    "(or, on a trusted network only, --insecure-allow-anonymous-actions)"
)
FORM_MAX_BYTES = 16 * 1024
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PAGE_HEADERS = [
    ("Content-Security-Policy", PAGE_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]
_PAGE_ACTIONS = ("sync", "refresh", "terminate", "rollback")
_ROLLOUT_ACTIONS = ("promote", "abort")


class WebUi:
    """The web pages, their login and their actions, over a `ControllerView`."""

    def __init__(
        self,
        controller: ControllerView,
        *,
        api_token: str | None,
        ui_auth: str = "optional",
        allow_anonymous_actions: bool = False,
        title: str = "gitsync",
    ) -> None:
        self.controller = controller
        self.api_token = api_token
        self.ui_auth = ui_auth
        self.allow_anonymous = allow_anonymous_actions and not api_token
        self.title = title
        self.sessions = Sessions()
        self.streams = EventStreams(controller.applications)

    def register(self, router: Router) -> None:
        r = router
        r.add("GET", "/", self.list_page)
        r.add("GET", "/applications/{name}", self.app_page)
        r.add("GET", "/applicationsets/{name}", self.appset_page)
        r.add("GET", "/ui/static/ui.css", self.css)
        r.add("GET", "/ui/static/ui.js", self.js)
        r.add("GET", "/ui/events", self.events)
        r.add("GET", "/login", self.login_page)
        r.add("POST", "/login", self.login)
        r.add("POST", "/logout", self.logout)
        r.add("POST", "/applications/{name}/actions/{action}", self.page_action)
        r.add(
            "POST",
            "/applications/{name}/actions/rollout/{namespace}/{rollout}/{action}",
            self.page_rollout_action,
        )
        actions.register_api(r, self.controller)

    # -- pages ------------------------------------------------------------------------------
    def list_page(self, request: Request) -> Response:
        session, refusal = self._viewer(request)
        if refusal:
            return refusal
        since = self._live_id("apps")  # before the render: a change after it is news
        body = render_list(self.controller.applications(), Filters.parse(request.query))
        return self._page("Applications", body, session, live="apps", live_id=since)

    def app_page(self, request: Request) -> Response:
        session, refusal = self._viewer(request)
        if refusal:
            return refusal
        name = request.params["name"]
        since = self._live_id(f"app:{name}")
        app = self.controller.application(name)
        if app is None:
            return self._page("Not found", f"<h1>No application {e(name)}</h1>", session, 404)
        can_act = (session is not None and not session.anonymous) or self.allow_anonymous
        csrf = session.csrf if session is not None and can_act else None
        note = self._actions_note()
        done = parse_qs(request.query[:256]).get("done", [""])[0]
        try:
            diff = self.controller.diff(name)
        except ActionRefused:  # known only to the replica that owns the app: shown as unknown
            diff = None
        body = render_app(app, diff, csrf=csrf, actions_note=note, notice=notice_text(done))
        return self._page(f"Application {name}", body, session, live=f"app:{name}", live_id=since)

    def appset_page(self, request: Request) -> Response:
        session, refusal = self._viewer(request)
        if refusal:
            return refusal
        name = request.params["name"]
        since = self._live_id("apps")
        apps = apps_of(self.controller.applications(), name)
        if not apps:
            return self._page("Not found", f"<h1>No ApplicationSet {e(name)}</h1>", session, 404)
        body = render_appset(name, apps)
        return self._page(f"ApplicationSet {name}", body, session, live="apps", live_id=since)

    def css(self, request: Request) -> Response:
        return _asset(CSS, "text/css; charset=utf-8")

    def js(self, request: Request) -> Response:
        return _asset(JS, "text/javascript; charset=utf-8")

    def events(self, request: Request) -> Response:
        _session, refusal = self._viewer(request)
        if refusal:
            return Response.json(401, {"error": "log in first"})
        query = parse_qs(request.query[:1024])
        watch = query.get("watch", ["apps"])[0]
        # EventSource sends Last-Event-ID only when it reconnects; the first connection
        # says which state its page showed in `since`
        last = request.headers.get("last-event-id") or query.get("since", [""])[0]
        return self.streams.respond(watch, last)

    # -- login ------------------------------------------------------------------------------
    def login_page(self, request: Request, *, failed: bool = False, status: int = 200) -> Response:
        session = self.sessions.get(request.headers.get("cookie", ""))
        if not self.api_token:
            body = f'<h1>Log in</h1><p class="notice">{e(NO_TOKEN)}</p>'
            return self._page("Log in", body, session, status)
        error = (
            '<p class="notice bad" role="alert">✗ That is not the API token.</p>' if failed else ""
        )
        body = (
            f"<h1>Log in</h1>{error}"
            '<form method="post" action="/login"><p><label for="token">API token</label><br>'
            '<input id="token" type="password" name="token" autocomplete="current-password"'
            ' required></p><p><button type="submit">Log in</button></p></form>'
        )
        return self._page("Log in", body, session, status)

    def login(self, request: Request) -> Response:
        form = _form(request)
        if form is None:
            return Response.text(400, "bad form")
        token = form.get("token", "")
        if not self.api_token or not actions.token_matches(token, self.api_token):
            log.warning("ui login refused", remote=request.remote_addr)
            return self.login_page(request, failed=bool(self.api_token), status=403)
        session = self.sessions.create()
        log.info("ui login", remote=request.remote_addr)
        return _redirect("/", [("Set-Cookie", set_cookie(session, secure=_https(request)))])

    def logout(self, request: Request) -> Response:
        session = self.sessions.get(request.headers.get("cookie", ""))
        form = _form(request) or {}
        if session is not None and csrf_ok(session, form.get("csrf", "")):
            self.sessions.drop(session)
        return _redirect("/", [("Set-Cookie", clear_cookie())])

    # -- page actions -----------------------------------------------------------------------
    def page_action(self, request: Request) -> Response:
        name, action = request.params["name"], request.params["action"]
        if action not in _PAGE_ACTIONS:
            return Response.text(404, "unknown action")
        form, refusal = self._acting(request)
        if refusal or form is None:
            return refusal or Response.text(400, "bad form")
        if action == "sync":
            prune, dry_run = form.get("prune") == "true", form.get("dry_run") == "true"
            found = self.controller.request_sync(name, prune=prune, dry_run=dry_run)
        elif action == "rollback":
            try:
                self.controller.rollback(name, int(form.get("id", "-1")))
            except ValueError:
                return Response.text(400, "bad history id")
            except ActionRefused as err:
                return self._page("Refused", f"<h1>Refused</h1><p>{e(err)}</p>", None, err.status)
            found = True
        elif action == "refresh":
            found = self.controller.refresh(name)
        else:
            found = self.controller.terminate(name)
        if not found:
            return self._page("Refused", f"<h1>Cannot {e(action)} {e(name)}</h1>", None, 409)
        log.info("ui action", action=action, app=name, remote=request.remote_addr)
        return _redirect(f"/applications/{quote(name, safe='')}?done={action}")

    def page_rollout_action(self, request: Request) -> Response:
        p = request.params
        if p["action"] not in _ROLLOUT_ACTIONS:
            return Response.text(404, "unknown action")
        form, refusal = self._acting(request)
        if refusal or form is None:
            return refusal or Response.text(400, "bad form")
        try:
            self.controller.rollout_action(p["name"], p["namespace"], p["rollout"], p["action"])
        except ActionRefused as err:
            return self._page("Refused", f"<h1>Refused</h1><p>{e(err)}</p>", None, err.status)
        log.info("ui rollout action", action=p["action"], app=p["name"], rollout=p["rollout"])
        return _redirect(f"/applications/{quote(p['name'], safe='')}?done={p['action']}")

    # -- helpers ----------------------------------------------------------------------------
    def _viewer(self, request: Request) -> tuple[Session | None, Response | None]:
        """The request's session, or the redirect to /login when pages need one."""
        session = self.sessions.get(request.headers.get("cookie", ""))
        if session is None and self.ui_auth == "required" and self.api_token:
            return None, _redirect("/login")
        return session, None

    def _acting(self, request: Request) -> tuple[dict[str, str] | None, Response | None]:
        """The form of an action POST, or why it is refused (no token, no login, CSRF)."""
        form = _form(request)
        if form is None:
            return None, Response.text(400, "bad form")
        session = self.sessions.get(request.headers.get("cookie", ""))
        if not self.api_token and not self.allow_anonymous:
            return None, self._page("Refused", f"<h1>Refused</h1><p>{e(NO_TOKEN)}</p>", None, 403)
        if session is None:
            return None, self._page(
                "Log in first", '<h1>Log in first</h1><p><a href="/login">Log in</a></p>', None, 401
            )
        if not csrf_ok(session, form.get("csrf", "")):
            return None, self._page("Refused", "<h1>Refused: stale form</h1>", None, 403)
        return form, None

    def _live_id(self, watch: str) -> str:
        return digest(self.controller.applications(), watch)

    def _actions_note(self) -> str:
        if not self.api_token and not self.allow_anonymous:
            return NO_TOKEN
        return "Log in to sync, refresh or terminate."

    def _page(
        self,
        title: str,
        body: str,
        session: Session | None,
        status: int = 200,
        live: str = "",
        live_id: str = "",
    ) -> Response:
        user: dict[str, Any] = {
            "logged_in": session is not None and not session.anonymous,
            "csrf": session.csrf if session else "",
            "login_possible": bool(self.api_token),
        }
        page = layout(title, body, site=self.title, user=user, live=live, live_id=live_id)
        headers = list(_PAGE_HEADERS)
        if self.allow_anonymous and session is None:
            anonymous = self.sessions.create(anonymous=True)
            headers.append(("Set-Cookie", set_cookie(anonymous, secure=False)))
        return Response(status, page.encode(), HTML_TYPE, headers)


def _asset(text: str, content_type: str) -> Response:
    headers = [("Cache-Control", "max-age=300"), ("X-Content-Type-Options", "nosniff")]
    return Response(200, text.encode(), content_type, headers)


def _redirect(location: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(303, b"", "text/plain", [("Location", location), *(headers or [])])


def _https(request: Request) -> bool:
    return request.headers.get("x-forwarded-proto", "").lower() == "https"


def _form(request: Request) -> dict[str, str] | None:
    """An urlencoded form body (first value of each field), or None when unreadable."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    try:
        raw = request.read_body(FORM_MAX_BYTES)
    except (BodyTooLarge, BadBody):
        return None
    fields: Mapping[str, list[str]] = parse_qs(raw.decode("utf-8", "replace"))
    return {k: v[0] for k, v in fields.items() if v}
