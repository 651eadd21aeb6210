"""A write checked against its kind's schema, and the request's `fieldValidation`.

Field errors (types, required, enums, bounds) always fail the write with 422 Invalid.
Undeclared fields follow the directive: Strict fails with 400, Warn answers with a
`Warning` header per field, Ignore says nothing; either way they are not stored. Without
a directive a server-side apply is Strict (as kubectl sends it) and other writes are Warn
(the server's default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .apierror import ApiError
from .openapi import OpenAPISchemas
from .registry import ResourceType
from .validation import Findings

DIRECTIVES = ("Ignore", "Strict", "Warn")
_MAX_WARNINGS = 50


@dataclass
class FieldValidation:
    """One request's directive (empty: the default) and the warnings it collects."""

    directive: str = ""
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.directive and self.directive not in DIRECTIVES:
            supported = ", ".join(f'"{d}"' for d in DIRECTIVES)
            raise ApiError(
                400,
                f'fieldValidation: Unsupported value: "{self.directive}": supported values: '
                f"{supported}",
                "BadRequest",
            )

    def effective(self, apply: bool) -> str:
        return self.directive or ("Strict" if apply else "Warn")


def _invalid(rtype: ResourceType, name: str, errors: list[str]) -> ApiError:
    kind = f"{rtype.kind}.{rtype.group}" if rtype.group else rtype.kind
    errors = sorted(errors)
    detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    causes = []
    for error in errors:
        path, _, message = error.partition(": ")
        reason = "FieldValueRequired" if message == "Required value" else "FieldValueInvalid"
        causes.append({"reason": reason, "message": message, "field": path})
    return ApiError(
        422,
        f'{kind} "{name}" is invalid: {detail}',
        "Invalid",
        name=name,
        group=rtype.group,
        kind=rtype.kind,
        causes=causes,
    )


def _undeclared(rtype: ResourceType, version: str, unknown: list[str], apply: bool) -> ApiError:
    if apply:
        fields = ", ".join(f".{path}: field not declared in schema" for path in unknown)
        message = (
            f"failed to create typed patch object ({rtype.api_version(version)}, "
            f"Kind={rtype.kind}): {fields}"
        )
    else:
        fields = ", ".join(f'unknown field "{path}"' for path in unknown)
        message = (
            f'{rtype.kind} in version "{version}" cannot be handled as a {rtype.kind}: '
            f"strict decoding error: {fields}"
        )
    return ApiError(400, message, "BadRequest")


def check_write(
    schemas: OpenAPISchemas,
    rtype: ResourceType,
    version: str,
    obj: dict[str, Any],
    validation: FieldValidation,
    *,
    apply: bool = False,
) -> None:
    """Check `obj` (a private copy: undeclared fields are removed from it). An apply
    configuration may be partial: its required fields are checked after the merge
    (`check_required`)."""
    kind_schema = schemas.for_kind(rtype, version)
    if kind_schema is None:
        return
    findings: Findings = kind_schema.checker.check(
        kind_schema.root, obj, required=not apply, prune=True
    )
    name = str((obj.get("metadata") or {}).get("name") or "")
    if findings.errors:
        raise _invalid(rtype, name, findings.errors)
    if not findings.unknown:
        return
    directive = validation.effective(apply)
    if directive == "Strict":
        raise _undeclared(rtype, version, findings.unknown, apply)
    if directive == "Warn":
        validation.warnings.extend(f'unknown field "{path}"' for path in findings.unknown)


def check_required(
    schemas: OpenAPISchemas, rtype: ResourceType, version: str, obj: dict[str, Any]
) -> None:
    """The merged result of an apply: every required field present."""
    kind_schema = schemas.for_kind(rtype, version)
    if kind_schema is None:
        return
    findings = kind_schema.checker.check(kind_schema.root, obj)
    if findings.errors:
        name = str((obj.get("metadata") or {}).get("name") or "")
        raise _invalid(rtype, name, findings.errors)


def warning_headers(warnings: list[str]) -> str:
    """`Warning` header lines (RFC 7234: code 299, no agent, the text quoted), at most
    `_MAX_WARNINGS`. Field names come from the request body: anything but printable
    ASCII becomes `?`, so no text can end a header line."""
    lines = []
    for text in warnings[:_MAX_WARNINGS]:
        printable = "".join(c if " " <= c <= "~" else "?" for c in text[:1024])
        quoted = printable.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'Warning: 299 - "{quoted}"\r\n')
    return "".join(lines)
