"""The real server over real sockets: Hypercorn on loopback, driven with `requests`."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests

from gitsync.errors import ConfigError
from gitsync.server import (
    GitsyncApp,
    HttpServer,
    Metrics,
    ServerSettings,
    WebhookSecrets,
)
from gitsync.server.http import parse_listen
from tests.server.helpers import SECRET, body, github_headers, gitlab_headers
from tests.server.inmemory import InMemoryController

APPS = [
    {"name": "web", "sync_status": "Synced", "health": "Healthy", "revision": "0d1a26e67d8f"},
    {"name": "api", "sync_status": "OutOfSync", "health": "Progressing"},
    {"name": "db", "sync_status": "Synced", "health": "Healthy"},
]
TOKEN = "s3cr3t-token"


@dataclass
class Running:
    server: HttpServer
    controller: InMemoryController
    metrics: Metrics
    http: requests.Session

    def url(self, path: str) -> str:
        return self.server.url + path


def start(settings: ServerSettings, *, ready: bool = True) -> Running:
    controller = InMemoryController(APPS, ready=ready)
    metrics = Metrics()
    app = GitsyncApp(controller, settings, metrics)
    server = HttpServer("127.0.0.1:0", app).start()
    return Running(server, controller, metrics, requests.Session())


@pytest.fixture
def running() -> Iterator[Running]:
    settings = ServerSettings(
        secrets=WebhookSecrets(github=SECRET, gitlab=SECRET), webhook_max_bytes=8 * 1024
    )
    run = start(settings)
    yield run
    run.http.close()
    run.server.stop()


@pytest.fixture
def with_token() -> Iterator[Running]:
    run = start(ServerSettings(api_token=TOKEN))
    yield run
    run.http.close()
    run.server.stop()


def post_github(run: Running, payload: bytes, **kwargs: str | None) -> requests.Response:
    headers = github_headers(payload, **kwargs)  # type: ignore[arg-type]
    return run.http.post(run.url("/api/webhook"), data=payload, headers=headers, timeout=5)


def metric_value(run: Running, sample: str) -> float:
    text = run.http.get(run.url("/metrics"), timeout=5).text
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# -- webhook ----------------------------------------------------------------------------
def test_signed_push_is_accepted_and_handed_to_the_controller_once(running: Running) -> None:
    running.controller.apps_per_push = 2
    response = post_github(running, body("github-push.json"))
    assert response.status_code == 202
    assert response.json() == {"provider": "github", "event": "push", "pushes": 1, "queued": 2}
    (event,) = running.controller.pushes
    assert event.branch == "main" and event.after == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
    assert "apps/web/deployment.yaml" in (event.changed_files or ())


def test_bad_signature_is_401_and_triggers_nothing(running: Running) -> None:
    response = post_github(running, body("github-push.json"), secret="wrong")
    assert response.status_code == 401
    assert "signature" in response.json()["error"]
    assert running.controller.pushes == []


def test_unsigned_push_when_secret_configured_is_401(running: Running) -> None:
    response = post_github(running, body("github-push.json"), secret=None)
    assert response.status_code == 401
    assert running.controller.pushes == []


def test_oversized_body_is_413_and_not_handed_on(running: Running) -> None:
    payload = json.dumps({"ref": "refs/heads/main", "pad": "x" * 9000}).encode()
    response = post_github(running, payload)
    assert response.status_code == 413
    assert running.controller.pushes == []
    # The server is still fine for the next client.
    assert requests.get(running.url("/healthz"), timeout=5).status_code == 200


def test_oversized_chunked_body_is_413(running: Running) -> None:
    payload = json.dumps({"ref": "refs/heads/main", "pad": "x" * 20000}).encode()
    chunks = iter([payload[i : i + 4096] for i in range(0, len(payload), 4096)])
    headers = github_headers(payload)
    response = requests.post(running.url("/api/webhook"), data=chunks, headers=headers, timeout=5)
    assert response.status_code == 413
    assert running.controller.pushes == []


def test_content_length_over_limit_is_refused_before_the_body_is_sent(running: Running) -> None:
    # Announce 100 MB but send nothing: the answer must come without reading the body.
    with socket.create_connection(("127.0.0.1", running.server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/webhook HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\n"
            b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def test_bad_json_is_400(running: Running) -> None:
    response = post_github(running, b"{this is not json")
    assert response.status_code == 400
    assert running.controller.pushes == []


def test_unknown_provider_is_400(running: Running) -> None:
    response = running.http.post(running.url("/api/webhook"), data=b"{}", timeout=5)
    assert response.status_code == 400
    assert "unknown webhook provider" in response.json()["error"]


def test_ping_is_acknowledged_with_200(running: Running) -> None:
    response = post_github(running, body("github-ping.json"), event="ping")
    assert response.status_code == 200 and response.json()["ignored"] is True
    assert running.controller.pushes == []


def test_gitlab_push_over_http(running: Running) -> None:
    response = running.http.post(
        running.url("/api/webhook"),
        data=body("gitlab-push.json"),
        headers=gitlab_headers(),
        timeout=5,
    )
    assert response.status_code == 202
    assert running.controller.pushes[0].branch == "release/2024.05"


def test_webhook_only_accepts_post(running: Running) -> None:
    response = running.http.get(running.url("/api/webhook"), timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


# -- health, readiness ------------------------------------------------------------------
def test_healthz(running: Running) -> None:
    response = running.http.get(running.url("/healthz"), timeout=5)
    assert response.status_code == 200 and response.text.strip() == "ok"


def test_readyz_is_503_with_reason_until_ready() -> None:
    run = start(ServerSettings(), ready=False)
    try:
        run.controller.reason = "first reconcile running (3/10 apps)"
        response = run.http.get(run.url("/readyz"), timeout=5)
        assert response.status_code == 503
        assert "first reconcile running (3/10 apps)" in response.text
        run.controller.set_ready()
        response = run.http.get(run.url("/readyz"), timeout=5)
        assert response.status_code == 200 and response.text.strip() == "ok"
    finally:
        run.server.stop()


# -- metrics ----------------------------------------------------------------------------
def test_metrics_expose_names_and_count_webhooks(running: Running) -> None:
    running.metrics.observe_reconcile("web", 0.02)
    running.metrics.observe_sync("web", "Succeeded", 3.5)
    running.metrics.git_fetch("https://github.com/Example-Org/platform-deploy", 0.01, ok=False)
    running.metrics.api_request("in-cluster", "patch", 200, 0.01)
    post_github(running, body("github-push.json"))
    post_github(running, body("github-push.json"), secret="wrong")
    response = running.http.get(running.url("/metrics"), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    for name in (
        "gitsync_apps",
        "gitsync_reconcile_duration_seconds_bucket",
        "gitsync_sync_duration_seconds_bucket",
        "gitsync_git_request_duration_seconds_bucket",
        "gitsync_git_fetch_failures_total",
        "gitsync_webhook_requests_total",
        "gitsync_kube_api_requests_total",
        "gitsync_http_requests_total",
    ):
        assert f"\n{name}" in text, name
    assert 'gitsync_apps{health="Healthy",sync_status="Synced"} 2.0' in text
    assert 'gitsync_apps{health="Progressing",sync_status="OutOfSync"} 1.0' in text
    assert 'gitsync_webhook_requests_total{provider="github",result="accepted"} 1.0' in text
    assert 'gitsync_webhook_requests_total{provider="github",result="unauthorized"} 1.0' in text
    api = 'gitsync_kube_api_requests_total{cluster="in-cluster",code="200",verb="PATCH"} 1.0'
    assert api in text
    assert 'gitsync_app_sync_total{app="web",phase="Succeeded"} 1.0' in text


def test_app_gauges_follow_the_controller_at_scrape_time(running: Running) -> None:
    sample = 'gitsync_apps{health="Degraded",sync_status="OutOfSync"}'
    assert metric_value(running, sample) == 0.0
    running.controller.put({"name": "web", "sync_status": "OutOfSync", "health": "Degraded"})
    assert metric_value(running, sample) == 1.0


def test_two_servers_keep_separate_registries(running: Running) -> None:
    other = start(ServerSettings())
    try:
        post_github(running, body("github-push.json"))
        sample = 'gitsync_webhook_requests_total{provider="github",result="accepted"}'
        assert metric_value(running, sample) == 1.0
        assert metric_value(other, sample) == 0.0
    finally:
        other.server.stop()


# -- applications API -------------------------------------------------------------------
def test_list_and_get_applications(running: Running) -> None:
    items = running.http.get(running.url("/api/v1/applications"), timeout=5).json()["items"]
    assert [a["name"] for a in items] == ["api", "db", "web"]
    one = running.http.get(running.url("/api/v1/applications/web"), timeout=5)
    assert one.status_code == 200 and one.json()["health"] == "Healthy"


def test_unknown_application_is_404_json(running: Running) -> None:
    response = running.http.get(running.url("/api/v1/applications/nope"), timeout=5)
    assert response.status_code == 404
    assert "not found" in response.json()["error"]


def test_sync_request(with_token: Running) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = with_token.url("/api/v1/applications/web/sync")
    response = with_token.http.post(url, json={}, headers=headers, timeout=5)
    assert response.status_code == 202
    assert with_token.controller.sync_requests == ["web"]
    missing = with_token.http.post(
        with_token.url("/api/v1/applications/nope/sync"), json={}, headers=headers, timeout=5
    )
    assert missing.status_code == 404
    assert with_token.controller.sync_requests == ["web"]


def test_selective_sync_request_names_resources_in_argo_cds_shape(with_token: Running) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = with_token.url("/api/v1/applications/web/sync")
    named = [
        {"kind": "ConfigMap", "namespace": "web", "name": "a"},
        {"group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
    ]
    response = with_token.http.post(url, json={"resources": named}, headers=headers, timeout=5)
    assert response.status_code == 202, response.text
    assert response.json()["resources"] == [
        {"kind": "ConfigMap", "namespace": "web", "name": "a"},
        {
            "group": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "namespace": "",
            "name": "reader",
        },
    ]
    assert with_token.controller.actions[-1] == (
        "sync",
        "web",
        "prune=False dry_run=False resources="
        "ConfigMap/web/a,rbac.authorization.k8s.io/ClusterRole/reader",
    )
    for bad, why in [
        ({"resources": "ConfigMap/web/a"}, "resources must be a list"),
        ({"resources": [{"kind": "ConfigMap", "name": "../a"}]}, "is not a path segment"),
        ({"resources": [{"kind": "ConfigMap", "name": "a", "x": 1}]}, "unknown resource field"),
        ({"resources": [{"kind": "ConfigMap", "name": "a"}] * 201}, "at most 200"),
    ]:
        refused = with_token.http.post(url, json=bad, headers=headers, timeout=5)
        assert refused.status_code == 400 and why in refused.json()["error"], refused.text
    assert with_token.controller.sync_requests == ["web"]


def test_actions_without_a_token_are_refused_naming_the_flag(running: Running) -> None:
    url = running.url("/api/v1/applications/web/sync")
    for kwargs in ({"json": {}}, {"data": "{}", "headers": {"Content-Type": "text/plain"}}):
        response = running.http.post(url, timeout=5, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 403
        assert "--api-token" in response.json()["error"]
    assert running.http.get(running.url("/api/v1/applications"), timeout=5).status_code == 200
    assert running.controller.sync_requests == []


def test_anonymous_actions_when_allowed_explicitly() -> None:
    run = start(ServerSettings(allow_anonymous_actions=True))
    try:
        url = run.url("/api/v1/applications/web/sync")
        assert run.http.post(url, json={}, timeout=5).status_code == 202
        assert run.controller.sync_requests == ["web"]
    finally:
        run.http.close()
        run.server.stop()


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_actions_must_be_json(with_token: Running, content_type: str | None) -> None:
    """The bodies a cross-origin page can POST without a preflight are refused."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = with_token.http.post(
        with_token.url("/api/v1/applications/web/sync"), data="{}", headers=headers, timeout=5
    )
    assert response.status_code == 415
    assert with_token.controller.sync_requests == []


def test_unknown_path_is_404(running: Running) -> None:
    assert running.http.get(running.url("/nothing/here"), timeout=5).status_code == 404


# -- bearer token -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"]
)
def test_api_token_required_when_configured(with_token: Running, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in (
        ("GET", "/api/v1/applications"),
        ("POST", "/api/v1/applications/web/sync"),
    ):
        response = with_token.http.request(method, with_token.url(path), headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert with_token.controller.sync_requests == []


def test_api_token_accepted(with_token: Running) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = with_token.http.get(
        with_token.url("/api/v1/applications"), headers=headers, timeout=5
    )
    assert response.status_code == 200
    sync = with_token.http.post(
        with_token.url("/api/v1/applications/web/sync"), json={}, headers=headers, timeout=5
    )
    assert sync.status_code == 202 and with_token.controller.sync_requests == ["web"]


def test_token_does_not_guard_health_or_webhook(with_token: Running) -> None:
    assert with_token.http.get(with_token.url("/healthz"), timeout=5).status_code == 200
    response = post_github(with_token, body("github-push.json"), secret=None)
    assert response.status_code == 202  # no webhook secret configured: unsigned accepted


# -- status page ------------------------------------------------------------------------
def test_status_page_lists_apps(running: Running) -> None:
    response = running.http.get(running.url("/"), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert "default-src 'none'" in policy
    for app in APPS:
        assert f'<a href="/applications/{app["name"]}">{app["name"]}</a>' in response.text
    assert "OutOfSync" in response.text and "Progressing" in response.text


def test_status_page_escapes_everything(running: Running) -> None:
    evil = '<script>alert("x")</script>'
    running.controller.put(
        {
            "name": evil,
            "sync_status": '"><img src=x onerror=alert(1)>',
            "health": "Healthy",
            "message": "<b>&bold</b>",
            "repo": "https://example.com/'quote'",
        }
    )
    text = running.http.get(running.url("/"), timeout=5).text
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;&amp;bold&lt;/b&gt;" in text
    evil_page = '"><img src=x onerror=alert(1)>'
    running.controller.put(
        {"name": evil_page, "health": "<b>", "repo": "https://example.com/'quote'"}
    )
    text = running.http.get(running.url(f"/applications/{quote(evil_page)}"), timeout=5).text
    assert "<img" not in text and "<b>" not in text and "&lt;img src=x" in text
    assert "&#x27;quote&#x27;" in text


def test_head_request_has_no_body(running: Running) -> None:
    response = running.http.head(running.url("/healthz"), timeout=5)
    assert response.status_code == 200 and response.content == b""


# -- server lifecycle -------------------------------------------------------------------
def test_parse_listen() -> None:
    assert parse_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_listen(":9000") == ("0.0.0.0", 9000)
    assert parse_listen("[::1]:0") == ("::1", 0)
    for bad in ("8080", "host:", "host:99999", "host:http"):
        with pytest.raises(ConfigError):
            parse_listen(bad)


def test_busy_port_is_a_config_error(running: Running) -> None:
    clash = HttpServer(f"127.0.0.1:{running.server.port}", GitsyncApp(InMemoryController()))
    with pytest.raises(ConfigError, match="cannot listen"):
        clash.start()


def test_context_manager_stops_the_server() -> None:
    with HttpServer("127.0.0.1:0", GitsyncApp(InMemoryController())) as server:
        port = server.port
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_settings_from_controller_config() -> None:
    from gitsync.controller.config import ControllerConfig

    config = ControllerConfig(
        repo="https://github.com/o/r",
        github_secret="gh",
        bitbucket_uuid="{u}",
        api_token="t",
        webhook_max_bytes=1024,
    )
    settings = ServerSettings.from_config(config)
    assert settings.secrets.github == "gh" and settings.secrets.bitbucket_uuid == "{u}"
    assert settings.secrets.gitlab is None
    assert settings.api_token == "t" and settings.webhook_max_bytes == 1024
    assert settings.allow_anonymous_actions is False
    assert "gh" not in repr(settings) and "'t'" not in repr(settings)
