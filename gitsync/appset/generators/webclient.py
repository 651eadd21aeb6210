"""HTTP for the generators that call network services (plugin, pullRequest).

Everything that comes back is hostile: only http(s) URLs, only those the caller allows
(`GeneratorEnv.allowed_urls`), no redirects followed, one deadline for the whole
exchange, at most `MAX_RESPONSE` bytes, JSON only. Messages name the URL without
credentials or query; tokens travel in headers and are never put in a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import urllib3

from gitsync.appset.context import GeneratorEnv
from gitsync.appset.errors import FieldError

MAX_RESPONSE = 8 << 20
MAX_DEPTH = 64
_POOL = urllib3.PoolManager(num_pools=8, retries=False)


@dataclass(frozen=True)
class Reply:
    """A bounded JSON answer of a generator's HTTP call, with its headers."""

    body: Any
    headers: Mapping[str, str]


def checked_url(url: Any, env: GeneratorEnv, field: str) -> str:
    """`url` if it is an http(s) URL the caller allows; FieldError otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise FieldError(field, "needs an http(s) URL")
    text: str = url.strip()
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise FieldError(field, "is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError(field, f"{shown(text)}: only http and https URLs are allowed")
    allowed = env.allowed_urls
    if allowed is not None and not any(_under(text, prefix) for prefix in allowed):
        raise FieldError(
            field,
            f"{shown(text)} is not an allowed generator URL"
            + (" (none are allowed: see --generator-url)" if not allowed else ""),
        )
    return text


def _under(url: str, prefix: str) -> bool:
    # Compare scheme and host exactly, then the path as a prefix: "https://a.io" must
    # not allow "https://a.io.evil.example".
    have, want = urlsplit(url), urlsplit(prefix)
    if (have.scheme, have.netloc.lower()) != (want.scheme, want.netloc.lower()):
        return False
    base = want.path if want.path.endswith("/") else want.path + "/"
    return have.path == want.path or have.path.startswith(base) or base == "/"


def shown(url: str) -> str:
    """The URL for a message: no user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        host += ":?"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def call_json(
    method: str,
    url: str,
    env: GeneratorEnv,
    field: str,
    *,
    headers: Mapping[str, str],
    body: Any = None,
    timeout: float | None = None,
) -> Reply:
    """One request, its JSON reply; FieldError naming the URL on any failure."""
    url = checked_url(url, env, field)
    limit = timeout if timeout is not None else env.http_timeout
    deadline = time.monotonic() + limit
    data = None if body is None else json.dumps(body).encode()
    sent = {"Accept": "application/json", **headers}
    if data is not None:
        sent["Content-Type"] = "application/json"
    try:
        response = _POOL.request(
            method,
            url,
            body=data,
            headers=sent,
            redirect=False,
            preload_content=False,
            timeout=urllib3.Timeout(connect=limit, read=limit),
        )
    except urllib3.exceptions.HTTPError as err:
        raise FieldError(field, f"{shown(url)}: {_reason(err)}") from None
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream(1 << 16):
            size += len(chunk)
            if size > MAX_RESPONSE:
                raise FieldError(field, f"{shown(url)}: reply larger than {MAX_RESPONSE} bytes")
            if time.monotonic() > deadline:
                raise FieldError(field, f"{shown(url)}: no complete reply within {limit:g} s")
            chunks.append(chunk)
    except urllib3.exceptions.HTTPError as err:
        raise FieldError(field, f"{shown(url)}: {_reason(err)}") from None
    finally:
        response.release_conn()
    if not 200 <= response.status < 300:
        raise FieldError(field, f"{shown(url)}: HTTP {response.status}")
    try:
        parsed = json.loads(b"".join(chunks)) if chunks else None
    except (ValueError, RecursionError):
        raise FieldError(field, f"{shown(url)}: reply is not JSON") from None
    if _too_deep(parsed):
        raise FieldError(field, f"{shown(url)}: reply nests deeper than {MAX_DEPTH} levels")
    return Reply(parsed, {k.lower(): v for k, v in response.headers.items()})


def _too_deep(value: Any) -> bool:
    """Whether `value` nests more than MAX_DEPTH lists or objects (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _reason(err: Exception) -> str:
    reason = getattr(err, "reason", None) or err
    text = " ".join(str(reason).split())
    # urllib3 messages may repeat the full URL (with its query); keep the first part.
    return text.split(" (Caused by")[0][:200]
