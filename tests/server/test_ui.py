"""The web UI's pure parts (filters, ordering, pages) and its bounded event streams."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import yaml

from gitsync.server import GitsyncApp, ServerSettings
from gitsync.server.router import Request, Response
from gitsync.server.ui.events import EventStreams
from gitsync.server.ui.listpage import Filters, sort_apps
from tests.server.inmemory import InMemoryController

FIXTURES = Path(__file__).parent / "fixtures" / "ui"


def _apps() -> list[dict[str, Any]]:
    return list(yaml.safe_load((FIXTURES / "apps.yaml").read_text()))


def _get(app: GitsyncApp, path: str, query: str = "", **headers: str) -> Response:
    request = Request("GET", path, query, dict(headers), io.BytesIO(b""))
    return app.handle(request)


def test_filters_match_each_field() -> None:
    apps = _apps()

    def names(query: str) -> list[str]:
        return [a["name"] for a in apps if Filters.parse(query).matches(a)]

    assert names("name=web") == ["web-prod", "web-dev"]
    assert names("project=payments") == ["billing"]
    assert names("cluster=east&namespace=web") == ["web-prod"]
    assert names("sync=OutOfSync") == ["web-dev"]
    assert names("health=Degraded") == ["billing"]
    assert names("label=team=shop") == ["web-prod", "web-dev"]
    assert names("label=tier") == ["billing"]
    assert names("label=team=nobody") == []


def test_problems_come_first_then_names() -> None:
    assert [a["name"] for a in sort_apps(_apps())] == ["billing", "queue", "web-dev", "web-prod"]


def test_app_page_shows_resources_revision_history_and_escapes() -> None:
    controller = InMemoryController(_apps())
    controller.diffs["web-prod"] = [
        {"kind": "Secret", "namespace": "web", "name": "s", "diff_text": "-  a: '***'\n"}
    ]
    app = GitsyncApp(controller, ServerSettings(api_token="t"))
    response = _get(app, "/applications/web-prod")
    text = response.body.decode()
    assert response.status == 200
    assert '<meta name="viewport"' in text
    for expected in ("Deployment", "ConfigMap", "Synced", "Healthy", "0123456789", "History"):
        assert expected in text
    assert "Secret/web/s" in text and "&lt;evil&gt;" in text and "<evil>" not in text
    assert "script-src 'self'" in dict(response.headers)["Content-Security-Policy"]
    assert "Log in to sync" in text and "<button" not in text.split("<main")[1].split("Summary")[0]


def test_every_page_has_a_viewport() -> None:
    app = GitsyncApp(InMemoryController(_apps()), ServerSettings(api_token="t"))
    for path in ("/", "/applications/web-prod", "/applicationsets/shop", "/login"):
        response = _get(app, path)
        assert response.status == 200, path
        assert '<meta name="viewport" content="width=device-width' in response.body.decode()


def test_pages_need_a_login_when_required() -> None:
    app = GitsyncApp(InMemoryController(_apps()), ServerSettings(api_token="t", ui_auth="required"))
    response = _get(app, "/")
    assert response.status == 303 and ("Location", "/login") in response.headers
    assert _get(app, "/login").status == 200


def test_a_stream_answers_a_change() -> None:
    apps = _apps()
    streams = EventStreams(lambda: apps, lifetime=10, interval=0.01)
    answers: list[str] = []
    waiting = threading.Thread(
        target=lambda: answers.append(streams.respond("app:queue", "").body.decode())
    )
    waiting.start()
    _wait(lambda: streams.active() == 1)
    apps[1] = {**apps[1], "health": "Healthy"}
    waiting.join(5)
    assert answers and "event: change" in answers[0]


def test_a_new_stream_beyond_the_limit_ends_the_oldest() -> None:
    apps = _apps()
    streams = EventStreams(lambda: apps, max_streams=1, lifetime=30, interval=0.01)
    first: list[str] = []
    old = threading.Thread(target=lambda: first.append(streams.respond("apps", "").body.decode()))
    old.start()
    _wait(lambda: streams.active() == 1)
    new = threading.Thread(target=lambda: streams.respond("apps", ""))
    new.start()
    old.join(5)
    assert first and ": idle" in first[0] and "retry:" in first[0]
    _wait(lambda: streams.active() == 1)
    streams.close()
    new.join(5)
    assert not new.is_alive() and streams.active() == 0


def _wait(check: Any) -> None:
    from tests.waiting import wait_for

    wait_for(check, timeout=5, what="stream state")


def test_a_change_between_the_page_and_its_stream_is_not_missed() -> None:
    controller = InMemoryController(_apps())
    app = GitsyncApp(controller, ServerSettings(api_token="t"))
    page = _get(app, "/applications/queue").body.decode()
    since = page.split('data-live-id="')[1].split('"')[0]
    controller.put({**_apps()[1], "health": "Healthy"})  # before the script connects
    answer = _get(app, "/ui/events", f"watch=app:queue&since={since}")
    assert answer.content_type == "text/event-stream" and b"event: change" in answer.body


def test_rollback_api_checks_the_history_id() -> None:
    controller = InMemoryController(_apps())
    app = GitsyncApp(controller, ServerSettings(api_token="t"))

    def post(body: bytes) -> int:
        headers = {
            "authorization": "Bearer t",
            "content-type": "application/json",
            "content-length": str(len(body)),
        }
        path = "/api/v1/applications/web-prod/rollback"
        return app.handle(Request("POST", path, "", headers, io.BytesIO(body))).status

    assert post(b'{"id": "0"}') == 400 and post(b'{"id": true}') == 400
    assert post(b'{"id": 5}') == 404
    assert post(b'{"id": 0}') == 202
    assert controller.actions == [("rollback", "web-prod", "0")]


def test_stopping_the_server_ends_waiting_streams() -> None:
    import requests

    from gitsync.server import HttpServer

    app = GitsyncApp(InMemoryController(_apps()), ServerSettings(api_token="t"))
    server = HttpServer("127.0.0.1:0", app).start()
    bodies: list[str] = []

    def listen() -> None:
        bodies.append(requests.get(f"{server.url}/ui/events?watch=apps", timeout=30).text)

    client = threading.Thread(target=listen)
    client.start()
    try:
        _wait(lambda: app.ui.streams.active() == 1)
    finally:
        server.stop()
    client.join(10)
    assert not client.is_alive() and app.ui.streams.active() == 0


def test_app_page_shows_the_commit_beside_the_revision() -> None:
    apps = _apps()
    apps[0] = {**apps[0], "commit": "Bump <web> to 1.26 — Ada, 2026-12-01"}
    app = GitsyncApp(InMemoryController(apps), ServerSettings(api_token="t"))
    text = _get(app, f"/applications/{apps[0]['name']}").body.decode()
    assert "Bump &lt;web&gt; to 1.26 — Ada, 2026-12-01" in text


def test_manifests_mask_secrets_and_suspend_needs_the_token() -> None:
    controller = InMemoryController(_apps())
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "data": {"password": "c2VjcmV0"}}  # fmt: skip
    controller.rendered["web-prod"] = [secret]
    app = GitsyncApp(controller, ServerSettings(api_token="t"))
    auth = {"authorization": "Bearer t"}
    found = _get(app, "/api/v1/applications/web-prod/manifests", **auth)
    assert found.status == 200
    assert "c2VjcmV0" not in found.body.decode()
    assert json.loads(found.body)["items"][0]["metadata"]["name"] == "s"
    assert _get(app, "/api/v1/applications/nope/manifests", **auth).status == 404

    def post(path: str, token: str | None) -> int:
        headers = {"content-type": "application/json", "content-length": "2"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        full = f"/api/v1/applications/web-prod/{path}"
        return app.handle(Request("POST", full, "", headers, io.BytesIO(b"{}"))).status

    assert post("suspend", None) == 401
    assert post("suspend", "t") == 202 and post("resume", "t") == 202
    assert controller.actions[-2:] == [("suspend", "web-prod", ""), ("resume", "web-prod", "")]


def test_a_suspended_app_stays_suspended_in_its_stored_status() -> None:
    from gitsync.controller.status import AppStatus

    stored = AppStatus(name="web", auto_sync_suspended=True).to_dict()
    assert AppStatus.from_dict(json.loads(json.dumps(stored))).auto_sync_suspended
