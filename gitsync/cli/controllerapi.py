"""Talking to a running controller's HTTP API from the CLI (`gitsync app`, `gitsync
appset status`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import click

from gitsync.errors import GitsyncError

DEFAULT_SERVER = "http://127.0.0.1:8080"


class ApiError(GitsyncError):
    """The controller could not be reached or refused the request."""


def call_api(
    server: str, token: str | None, method: str, path: str, payload: dict[str, Any] | None = None
) -> Any:
    url = server.rstrip("/") + path
    # Actions are JSON: the controller refuses other bodies, as a browser could send them.
    body = json.dumps(payload or {}).encode() if method == "POST" else None
    request = urllib.request.Request(url, method=method, data=body)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            reason = json.loads(err.read()).get("error") or err.reason
        except (ValueError, AttributeError):
            reason = err.reason
        raise ApiError(f"{server}: HTTP {err.code}: {reason}") from None
    except urllib.error.URLError as err:
        raise ApiError(f"cannot reach the controller at {server}: {err.reason}") from None
    except (OSError, ValueError) as err:
        raise ApiError(f"cannot talk to the controller at {server}: {err}") from None


def app_path(name: str, action: str = "") -> str:
    """The API path of app `name` (quoted, so no name can reach another endpoint)."""
    path = f"/api/v1/applications/{urllib.parse.quote(name, safe='')}"
    return f"{path}/{action}" if action else path


def server_options(fn: Any) -> Any:
    fn = click.option(
        "--token",
        envvar=["GITSYNC_TOKEN", "GITSYNC_API_TOKEN"],
        help="Bearer token of the controller API (env GITSYNC_TOKEN).",
    )(fn)
    fn = click.option(
        "--server",
        envvar="GITSYNC_SERVER",
        default=DEFAULT_SERVER,
        show_default=True,
        help="Base URL of `gitsync serve`.",
    )(fn)
    return fn
