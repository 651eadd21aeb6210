"""API errors as the Kubernetes API server reports them: a `Status` body and an HTTP code."""

from __future__ import annotations

from typing import Any

_REASONS = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    """Raised anywhere in request handling; the handler turns it into a `Status` answer."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        *,
        name: str | None = None,
        group: str | None = None,
        kind: str | None = None,
        causes: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes

    def status(self) -> dict[str, Any]:
        return status_body(
            self.code,
            self.message,
            self.reason,
            name=self.name,
            group=self.group,
            kind=self.kind,
            causes=self.causes,
        )


def status_body(
    code: int,
    message: str,
    reason: str,
    *,
    name: str | None = None,
    group: str | None = None,
    kind: str | None = None,
    causes: list[dict[str, str]] | None = None,
    success: bool = False,
) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name is not None:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    if causes:
        details["causes"] = causes
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if success else "Failure",
    }
    if not success:
        body["message"] = message
        body["reason"] = reason
    if details:
        body["details"] = details
    body["code"] = code
    return body


def not_found(plural: str, name: str, group: str = "") -> ApiError:
    resource = f"{plural}.{group}" if group else plural
    return ApiError(
        404, f'{resource} "{name}" not found', "NotFound", name=name, group=group, kind=plural
    )


def already_exists(plural: str, name: str, group: str = "") -> ApiError:
    resource = f"{plural}.{group}" if group else plural
    return ApiError(
        409,
        f'{resource} "{name}" already exists',
        "AlreadyExists",
        name=name,
        group=group,
        kind=plural,
    )


def conflict(plural: str, name: str, group: str = "", why: str = "") -> ApiError:
    resource = f"{plural}.{group}" if group else plural
    why = why or (
        "the object has been modified; please apply your changes to the latest version "
        "and try again"
    )
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {resource} "{name}": {why}',
        "Conflict",
        name=name,
        group=group,
        kind=plural,
    )


def invalid(kind: str, name: str, field: str, detail: str, group: str = "") -> ApiError:
    return ApiError(
        422,
        f'{kind} "{name}" is invalid: {field}: {detail}',
        "Invalid",
        name=name,
        group=group,
        kind=kind,
        causes=[{"reason": "FieldValueInvalid", "message": detail, "field": field}],
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "BadRequest")
