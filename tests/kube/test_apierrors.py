"""Status answers map to gitsync's error types, one line, naming the resource."""

from __future__ import annotations

import json

import pytest

from gitsync.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    KubeError,
    NotFoundError,
    UnavailableError,
)
from gitsync.kube.apierrors import error_for_status


def status_body(code: int, message: str) -> bytes:
    return json.dumps({"kind": "Status", "code": code, "message": message}).encode()


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (404, NotFoundError),
        (409, ConflictError),
        (422, InvalidError),
        (400, InvalidError),
        (401, ForbiddenError),
        (403, ForbiddenError),
        (429, UnavailableError),
        (500, UnavailableError),
        (503, UnavailableError),
        (418, KubeError),
    ],
)
def test_status_codes_map_to_error_types(code: int, cls: type[KubeError]) -> None:
    err = error_for_status(code, status_body(code, "nope"), "Deployment/shop/web")
    assert type(err) is cls
    assert err.status == code
    assert err.resource == "Deployment/shop/web"
    assert str(err).startswith("Deployment/shop/web: ")


def test_multi_line_server_message_becomes_one_line() -> None:
    body = status_body(422, 'Deployment.apps "web" is invalid:\n  spec.replicas: must be >= 0')
    err = error_for_status(422, body, "Deployment/shop/web")
    assert str(err) == (
        'Deployment/shop/web: Deployment.apps "web" is invalid: spec.replicas: must be >= 0'
    )


def test_non_json_body_and_empty_body() -> None:
    assert str(error_for_status(502, b"<html>\nBad gateway\n</html>", None)) == (
        "HTTP 502: <html> Bad gateway </html>"
    )
    assert str(error_for_status(503, b"", "ConfigMap/a")) == "ConfigMap/a: HTTP 503"
