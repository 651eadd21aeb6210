"""`GitsyncApp` behind an ASGI server: refuse on the head, read the body, run the handler.

Everything that waits on a client happens here, on the event loop, where a slow client
costs no thread: the head is judged first (`GitsyncApp.begin`: routing, token, content
type, declared length, webhook proof), then the body is read under a size limit and a
deadline, and only a complete request goes to the bounded thread pool that runs the
handlers. /healthz and /readyz never wait for that pool: they answer on the loop, so a
busy pool cannot make a liveness probe fail. A client that goes away is dropped quietly.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import structlog

from gitsync.server.app import GitsyncApp
from gitsync.server.router import BadBody, Request, Response

if TYPE_CHECKING:
    from gitsync.server.http import HttpLimits

log = structlog.get_logger()

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_ON_THE_LOOP = frozenset({"/healthz", "/readyz"})  # cheap, and must answer when all else waits
_CLOSE = ("Connection", "close")
_COUNTED_HERE = frozenset({408, 414, 431, 503})  # refusals GitsyncApp never sees


class ClientGone(Exception):
    """The client disconnected (or its framing was refused by the server) mid-request."""


class AsgiAdapter:
    """Runs the WSGI-style app under Hypercorn: bounded bodies, handlers on a thread pool."""

    def __init__(self, app: GitsyncApp, limits: HttpLimits, executor: Executor) -> None:
        self.app = app
        self.limits = limits
        self.executor = executor
        self._buffered = 0  # body bytes held by requests now; only touched on the loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1003})
        elif kind == "http":
            try:
                response = await self._respond(scope, receive)
            except ClientGone:
                return
            if response.status in _COUNTED_HERE:
                self.app.metrics.http_request("unmatched", response.status)
            await _send_response(send, response, head_only=scope.get("method") == "HEAD")

    async def _respond(self, scope: Scope, receive: Receive) -> Response:
        request, refusal = self._request(scope)
        if refusal is not None:
            return refusal
        response = self.app.begin(request)
        if response is not None:
            return _closing(response) if _has_body(request) else response
        if request.path in _ON_THE_LOOP:
            return self.app.finish(request)
        limit = self.app.body_limit(request)
        declared = request.content_length()
        reserve = min(limit if declared is None else declared, limit)
        if self._buffered + reserve > self.limits.body_bytes_in_flight:
            busy = Response.json(503, {"error": "too many request bodies in flight"})
            return _closing(busy, [("Retry-After", "5")])
        self._buffered += reserve
        try:
            if limit:  # read even without a declared length: HTTP/2 need not declare one
                try:
                    body = await asyncio.wait_for(
                        _read_body(receive, limit), self.limits.body_timeout
                    )
                except TimeoutError:
                    return _closing(Response.json(408, {"error": "request body too slow"}))
                if body is None:
                    return _closing(
                        Response.json(413, {"error": f"body exceeds the limit of {limit} bytes"})
                    )
                request.stream = io.BytesIO(body)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, self.app.finish, request)
        finally:
            self._buffered -= reserve

    def _request(self, scope: Scope) -> tuple[Request, Response | None]:
        """The request of `scope`, and the refusal of a head over the limits."""
        raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        headers: dict[str, str] = {}
        lengths = 0
        for raw_name, raw_value in raw_headers:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            lengths += name == "content-length"
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        client = scope.get("client") or ("", 0)
        request = Request(
            method=str(scope.get("method", "GET")).upper(),
            path=str(scope.get("path") or "/"),
            query=bytes(scope.get("query_string") or b"").decode("latin-1"),
            headers=headers,
            stream=io.BytesIO(b""),
            remote_addr=str(client[0]),
        )
        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if target > self.limits.max_target_bytes:
            return request, _closing(Response.json(414, {"error": "request target too long"}))
        if len(raw_headers) > self.limits.max_headers:
            return request, _closing(Response.json(431, {"error": "too many header fields"}))
        if lengths > 1 or (lengths and "transfer-encoding" in headers):
            # Two framings of one body: whichever this server picked, a proxy in front
            # may have picked the other (request smuggling). Neither is trusted.
            return request, _closing(Response.json(400, {"error": "ambiguous message length"}))
        return request, None


def _has_body(request: Request) -> bool:
    try:
        return bool(request.content_length()) or "transfer-encoding" in request.headers
    except BadBody:
        return True


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it exceeds `limit` (the rest is left unread)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            raise ClientGone
        chunk = bytes(message.get("body") or b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts)


def _closing(response: Response, extra: list[tuple[str, str]] | None = None) -> Response:
    """`response` ending the connection: a body left unread cannot be skipped safely."""
    response.headers = [*response.headers, *(extra or []), _CLOSE]
    return response


async def _send_response(send: Send, response: Response, *, head_only: bool) -> None:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.header_list()
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message.get("type") == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message.get("type") == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
