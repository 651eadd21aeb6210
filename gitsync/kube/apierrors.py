"""Translate API answers and transport failures into gitsync's error types.

Every message is one line: the server's Status message (whitespace collapsed), prefixed
with the resource as ``Kind/namespace/name`` by `KubeError` itself.
"""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import urllib3.exceptions

from gitsync.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    KubeError,
    NotFoundError,
    UnavailableError,
)

_MAX_MESSAGE = 500


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace (newlines included); cut very long server messages."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def status_message(status: int, body: bytes) -> str:
    """The message of a ``Status`` body, or a short excerpt of whatever the server sent."""
    text = body.decode("utf-8", errors="replace") if body else ""
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = parsed.get("message") or parsed.get("reason")
        if message:
            return one_line(str(message))
    if text.strip():
        return one_line(text, 200)
    return f"HTTP {status}"


def error_for_status(status: int, body: bytes, resource: str | None) -> KubeError:
    """The gitsync error for a non-2xx answer."""
    message = status_message(status, body)
    cls: type[KubeError]
    if status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status in (400, 415, 422):
        cls = InvalidError
    elif status in (401, 403):
        cls = ForbiddenError
    elif status == 429 or status >= 500:
        cls = UnavailableError
        if not message.startswith("HTTP"):
            message = f"HTTP {status}: {message}"
    else:
        cls = KubeError
    return cls(message, resource, status)


def describe_transport_error(exc: BaseException) -> str:
    """A short human reason for a connection-level failure: "connection refused", ..."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 8:
        seen += 1
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and cause.reason is not None:
            cause = cause.reason
            continue
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, urllib3.exceptions.NameResolutionError | socket.gaierror):
            return "cannot resolve host"
        # NewConnectionError subclasses ConnectTimeoutError: test it first.
        if isinstance(cause, urllib3.exceptions.NewConnectionError) and (
            "refused" in str(cause).lower()
        ):
            return "connection refused"
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            return one_line(str(cause).split(": ", 2)[-1], 200)
        if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
            return "connection timed out"
        if isinstance(cause, urllib3.exceptions.ReadTimeoutError | TimeoutError):
            return "timed out waiting for the server"
        if isinstance(cause, urllib3.exceptions.SSLError | ssl.SSLError):
            return f"TLS error: {one_line(str(cause), 200)}"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(cause, urllib3.exceptions.ProtocolError):
            inner = cause.args[1] if len(cause.args) > 1 else None
            if isinstance(inner, BaseException):
                cause = inner
                continue
            return "connection closed by the server"
        nxt = cause.__cause__ or cause.__context__
        if nxt is None:
            break
        cause = nxt
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    return one_line(str(exc), 200) or type(exc).__name__


def unavailable(server: str, exc: BaseException, resource: str | None = None) -> UnavailableError:
    """`cannot reach https://host:port: connection refused` (after the resource, if any)."""
    return UnavailableError(f"cannot reach {server}: {describe_transport_error(exc)}", resource)
