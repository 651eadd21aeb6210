"""A tiny router: requests, responses and ``METHOD /path/{param}`` routes.

Just enough for a handful of endpoints; the handlers stay plain functions of a `Request`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class BodyTooLarge(Exception):
    """The request body exceeds the limit given to `Request.read_body`."""


class BadBody(Exception):
    """The request body is not readable as declared (bad Content-Length, short read)."""


@dataclass
class Request:
    """One HTTP request as the handlers see it (body read lazily, within its bound)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    stream: IO[bytes]
    remote_addr: str = ""
    params: dict[str, str] = field(default_factory=dict)
    route: str = ""
    handler: Handler | None = None  # set by routing

    def content_length(self) -> int | None:
        """The declared body length; None when absent (e.g. chunked). Raises `BadBody`."""
        raw = self.headers.get("content-length")
        if raw is None or raw == "":
            return None
        if not raw.strip().isdigit():
            raise BadBody("invalid Content-Length")
        return int(raw)

    def read_body(self, limit: int) -> bytes:
        """The whole body, refusing more than `limit` bytes.

        A declared Content-Length over the limit is refused before anything is read; a
        body of unknown length (chunked, or HTTP/2 without a length) is read at most
        ``limit + 1`` bytes, so a lying sender cannot make the server buffer more.
        `stream` ends where the body does (the server hands over the body it read).
        """
        declared = self.content_length()
        if declared is not None and declared > limit:
            raise BodyTooLarge(f"body of {declared} bytes exceeds the limit of {limit}")
        want = declared if declared is not None else limit + 1
        parts: list[bytes] = []
        received = 0
        while received < want:
            chunk = self.stream.read(min(want - received, 1 << 16))
            if not chunk:
                break
            parts.append(chunk)
            received += len(chunk)
        if received > limit:
            raise BodyTooLarge(f"body exceeds the limit of {limit} bytes")
        if declared is not None and received < declared:
            raise BadBody("body shorter than its Content-Length")
        return b"".join(parts)


@dataclass
class Response:
    """One HTTP response: status, body, type and extra headers."""

    status: int = 200
    body: bytes = b""
    content_type: str = TEXT_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
        body = json.dumps(data, sort_keys=True, default=str).encode() + b"\n"
        return cls(status, body, JSON_TYPE, list(headers))

    @classmethod
    def text(cls, status: int, text: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls(status, text.encode() + b"\n", TEXT_TYPE, list(headers))

    def status_line(self) -> str:
        return f"{self.status} {_REASONS.get(self.status, 'Unknown')}"

    def header_list(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Routes by method and path template; ``{name}`` matches one path segment."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(_Route(method.upper(), template, re.compile(f"^{regex}$"), handler))

    def resolve(self, request: Request) -> tuple[Handler | None, int]:
        """The handler for `request` (params and route filled in), or None with 404/405."""
        method = "GET" if request.method == "HEAD" else request.method
        path_found = False
        for route in self._routes:
            found = route.pattern.match(request.path)
            if not found:
                continue
            path_found = True
            if route.method != method:
                continue
            request.params = found.groupdict()  # PATH_INFO is already percent-decoded
            request.route = route.template
            return route.handler, 200
        return None, 405 if path_found else 404

    def allowed(self, path: str) -> list[str]:
        return sorted({r.method for r in self._routes if r.pattern.match(path)})
