"""Kubernetes' rules for the parts of an object that end up in an API URL.

Names and namespaces from Git are hostile input: one containing ``/`` or ``..`` would
make a request address another object (``../../../namespaces/kube-system/secrets/x``).
Every object is checked against the rules the API server itself applies, before any
request is made, so an invalid one fails the app's sync instead of reaching a URL.

Rules (k8s.io/apimachinery validation): names are DNS-1123 subdomains, except a
Namespace (DNS-1123 label), a Service (DNS-1035 label), and the RBAC kinds, IPAddress
and ClusterTrustBundle (any path segment: no ``/``, no ``%``, not ``.`` or ``..``; the
server applies its own finer rules there). A namespace is a DNS-1123 label, an
API group a DNS-1123 subdomain, a version a DNS-1035 label, and a kind lower-cased a
DNS-1035 label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gitsync.model.keys import split_api_version

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(f"^{_LABEL}$")
_DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_DNS1035_LABEL = re.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SHOWN = 64  # characters of a rejected value quoted in an error
GENERATED_SUFFIX = 5  # characters the API server appends to a generateName


@dataclass(frozen=True, slots=True)
class Rule:
    """A naming rule: `problem(value)` is None when valid, else what is wrong."""

    name: str
    problem: Callable[[str], str | None]


def _path_segment(value: str) -> str | None:
    if value in (".", ".."):
        return f"may not be {value!r}"
    for forbidden in ("/", "%"):
        if forbidden in value:
            return f"may not contain {forbidden!r}"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "may not contain control characters"
    return None


def _regex_rule(pattern: re.Pattern[str], limit: int, what: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        if not value:
            return "may not be empty"
        unsafe = _path_segment(value)  # the most telling reason for a hostile value
        if unsafe is not None:
            return unsafe
        if len(value) > limit:
            return f"must be no more than {limit} characters"
        if not pattern.match(value):
            return f"must consist of {what}"
        return None

    return problem


PATH_SEGMENT = Rule("a path segment", lambda v: "may not be empty" if not v else _path_segment(v))
DNS1123_LABEL = Rule(
    "a DNS-1123 label",
    _regex_rule(
        _DNS1123_LABEL,
        63,
        "lower case letters, digits and '-', starting and ending with a letter or digit",
    ),
)
DNS1123_SUBDOMAIN = Rule(
    "a DNS-1123 subdomain",
    _regex_rule(
        _DNS1123_SUBDOMAIN,
        253,
        "lower case letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
)
DNS1035_LABEL = Rule(
    "a DNS-1035 label",
    _regex_rule(
        _DNS1035_LABEL,
        63,
        "lower case letters, digits and '-', starting with a letter and ending with a "
        "letter or digit",
    ),
)

_RBAC_GROUP = "rbac.authorization.k8s.io"
_NAME_RULES: dict[tuple[str, str], Rule] = {
    ("", "Namespace"): DNS1123_LABEL,
    ("", "Service"): DNS1035_LABEL,
    (_RBAC_GROUP, "Role"): PATH_SEGMENT,
    (_RBAC_GROUP, "ClusterRole"): PATH_SEGMENT,
    (_RBAC_GROUP, "RoleBinding"): PATH_SEGMENT,
    (_RBAC_GROUP, "ClusterRoleBinding"): PATH_SEGMENT,
    # Names the server checks by their own rules, which allow ':' (IPv6, signer names).
    ("networking.k8s.io", "IPAddress"): PATH_SEGMENT,
    ("certificates.k8s.io", "ClusterTrustBundle"): PATH_SEGMENT,
}


class IdentityError(ValueError):
    """An object part breaks its naming rule; the message names the field and the rule."""


def shown(value: object) -> str:
    """A rejected value quoted for an error line: repr'd (no raw control characters), cut."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 4] + "...'"


def name_rule(group: str, kind: str) -> Rule:
    """The rule the API server applies to ``metadata.name`` of this kind."""
    return _NAME_RULES.get((group, kind), DNS1123_SUBDOMAIN)


def check(value: str, rule: Rule, field: str) -> None:
    """Raise IdentityError when `value` breaks `rule`."""
    problem = rule.problem(value)
    if problem is not None:
        raise IdentityError(f"{field} {shown(value)} is not {rule.name}: it {problem}")


def check_generate_name(prefix: str, rule: Rule) -> None:
    """A generateName is checked as the name it starts: a trailing '-' is allowed."""
    masked = prefix[:-1] + "a" if len(prefix) > 1 and prefix.endswith("-") else prefix
    problem = rule.problem(masked)
    if problem is not None and not problem.startswith("must be no more"):
        raise IdentityError(
            f"metadata.generateName {shown(prefix)} is not the start of {rule.name}: it {problem}"
        )


def check_api_version(api_version: str) -> None:
    group, version = split_api_version(api_version)
    if group:
        check(group, DNS1123_SUBDOMAIN, "apiVersion group")
    check(version, DNS1035_LABEL, "apiVersion version")


def check_kind(kind: str) -> None:
    problem = DNS1035_LABEL.problem(kind.lower()) if kind.isascii() else "must be ASCII"
    if problem is not None:
        raise IdentityError(f"kind {shown(kind)} is not valid: lower-cased it {problem}")


def check_identity(
    api_version: str, kind: str, namespace: str, name: str, generate_name: str = ""
) -> None:
    """Every part of an object that reaches a URL; IdentityError on the first bad one.

    `namespace` and `name` may be empty (cluster-scoped, or a generateName-only object).
    """
    check_api_version(api_version)
    check_kind(kind)
    group, _ = split_api_version(api_version)
    rule = name_rule(group, kind)
    if name:
        check(name, rule, "metadata.name")
    if generate_name:
        check_generate_name(generate_name, rule)
    if namespace:
        check(namespace, DNS1123_LABEL, "metadata.namespace")


def check_namespace(namespace: str, field: str = "namespace") -> None:
    check(namespace, DNS1123_LABEL, field)


def check_application_name(name: str) -> None:
    """Argo CD's rule for an Application's name: a DNS-1123 subdomain."""
    check(name, DNS1123_SUBDOMAIN, "metadata.name")
