"""A local HTTP server (127.0.0.1) that answers as a generator plugin, GitHub's and
Gitea's pull request APIs do, and records what it was asked."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeApis:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    plugin_output: Any = None  # the whole reply body of the plugin
    plugin_status: int = 200
    plugin_token: str = ""
    plugin_hang: threading.Event | None = None  # set: the plugin never answers until then
    github_pages: list[list[dict[str, Any]]] = field(default_factory=list)
    gitea_pages: list[list[dict[str, Any]]] = field(default_factory=list)
    oversized: bool = False


def pull(
    number: int, branch: str, *, labels: tuple[str, ...] = (), author: str = "dev"
) -> dict[str, Any]:
    return {
        "number": number,
        "title": f"Change {number}",
        "state": "open",
        "head": {"ref": branch, "sha": f"{number:02d}" + "abcdef0123456789" * 2 + "abcdef"},
        "base": {"ref": "main", "sha": "f" * 40},
        "labels": [{"id": i, "name": name} for i, name in enumerate(labels)],
        "user": {"login": author, "id": 7},
    }


def _handler(state: FakeApis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            if state.oversized:
                data = b"[" + b" " * (9 << 20) + b"]"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                json.loads(raw) if raw else None,
            )
            state.requests.append(request)
            return request

        def do_POST(self) -> None:
            request = self._record()
            if request.path != "/api/v1/getparams.execute":
                self._reply(404, {"message": "not found"})
                return
            if request.headers.get("authorization") != f"Bearer {state.plugin_token}":
                self._reply(403, {"message": "forbidden"})
                return
            if state.plugin_hang is not None:
                state.plugin_hang.wait(30)
                return
            self._reply(state.plugin_status, state.plugin_output)

        def do_GET(self) -> None:
            request = self._record()
            page = int(request.query.get("page", ["1"])[0])
            github = re.fullmatch(r"/api/v3/repos/([^/]+)/([^/]+)/pulls", request.path)
            gitea = re.fullmatch(r"/api/v1/repos/([^/]+)/([^/]+)/pulls", request.path)
            if github:
                pages = state.github_pages
                items = pages[page - 1] if page <= len(pages) else []
                link = {}
                if page < len(pages):
                    following = f"{state.url}{request.path}?page={page + 1}"
                    link = {"Link": f'<{following}>; rel="next"'}
                self._reply(200, items, link)
            elif gitea:
                pages = state.gitea_pages
                self._reply(200, pages[page - 1] if page <= len(pages) else [])
            else:
                self._reply(404, {"message": "not found"})

    return Handler


@contextmanager
def fake_apis() -> Iterator[FakeApis]:
    state = FakeApis()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.plugin_hang is not None:
            state.plugin_hang.set()
        server.shutdown()
        server.server_close()
