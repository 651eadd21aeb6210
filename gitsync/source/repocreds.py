"""Repository credentials from Argo CD repository Secrets: which Secret serves which URL.

Argo CD keeps credentials in Secrets of its namespace labelled
``argocd.argoproj.io/secret-type``: ``repository`` Secrets serve exactly one repository
URL, ``repo-creds`` Secrets are templates serving every URL that starts with theirs (the
longest prefix wins). A ``repository`` Secret without credentials of its own borrows
those of the matching template, as Argo CD does.

This module is pure: it parses Secret objects (as the API returns them, base64 ``data``,
or with ``stringData``) into `RepoCredential` values and matches URLs. A bad Secret is
skipped with a problem naming the Secret, never its content.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gitsync.source.urls import normalize_repo_url

SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"
REPOSITORY = "repository"
REPO_CREDS = "repo-creds"
KNOWN_HOSTS_CONFIGMAP = "argocd-ssh-known-hosts-cm"
KNOWN_HOSTS_KEY = "ssh_known_hosts"
MAX_FIELD_BYTES = 256 * 1024  # a key or certificate is a few KB; anything far larger is wrong

_TRUE = ("true", "1", "yes")


@dataclass(frozen=True)
class RepoCredential:
    """One repository or template Secret. `repr` never shows a secret."""

    secret: str  # the Secret's name, for messages
    url: str
    template: bool = False
    type: str = "git"  # git | helm (and oci, as newer Argo CD spells OCI repositories)
    name: str = ""
    project: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ssh_private_key: str = field(default="", repr=False)
    tls_client_cert_data: str = field(default="", repr=False)
    tls_client_cert_key: str = field(default="", repr=False)
    insecure: bool = False
    enable_oci: bool = False

    @property
    def has_secret(self) -> bool:
        return bool(self.password or self.ssh_private_key or self.tls_client_cert_key)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """(user, password) for HTTP basic auth; a token alone goes with a placeholder user."""
        if not self.password:
            return None
        return (self.username or "x-access-token", self.password)

    def borrow(self, template: RepoCredential) -> RepoCredential:
        """This repository with the template's credentials where it has none of its own."""
        if self.has_secret or self.username:
            return self
        return replace(
            self,
            username=template.username,
            password=template.password,
            ssh_private_key=template.ssh_private_key,
            tls_client_cert_data=template.tls_client_cert_data,
            tls_client_cert_key=template.tls_client_cert_key,
            insecure=self.insecure or template.insecure,
            enable_oci=self.enable_oci or template.enable_oci,
        )


@dataclass(frozen=True)
class RepoCredentials:
    """Every parsed repository Secret; `for_url` picks the one that serves a URL."""

    repositories: tuple[RepoCredential, ...] = ()
    templates: tuple[RepoCredential, ...] = ()
    problems: tuple[str, ...] = ()

    def for_url(self, url: str, kind: str | None = None) -> RepoCredential | None:
        """The credential for `url`: the repository Secret of exactly this URL (compared in
        canonical form), else the template with the longest matching prefix. `kind`
        ("git" or "helm") skips Secrets of the other type."""
        wanted = _canonical(url)
        template = self._template_for(url, kind)
        for repo in self.repositories:
            if _kind_fits(repo, kind) and _canonical(repo.url) == wanted:
                return repo.borrow(template) if template is not None else repo
        return template

    def _template_for(self, url: str, kind: str | None) -> RepoCredential | None:
        text = _comparable(url)
        best: RepoCredential | None = None
        for template in self.templates:
            if not _kind_fits(template, kind) or not text.startswith(_comparable(template.url)):
                continue
            if best is None or len(template.url) > len(best.url):
                best = template
        return best


def parse_secrets(secrets: Iterable[Mapping[str, Any]]) -> RepoCredentials:
    """Parse Secrets labelled ``repository`` or ``repo-creds``; others are ignored."""
    repositories: list[RepoCredential] = []
    templates: list[RepoCredential] = []
    problems: list[str] = []
    for secret in secrets:
        meta = secret.get("metadata") or {}
        labels = meta.get("labels") or {}
        kind = labels.get(SECRET_TYPE_LABEL) if isinstance(labels, Mapping) else None
        if kind not in (REPOSITORY, REPO_CREDS):
            continue
        name = str(meta.get("name") or "?")
        try:
            parsed = parse_secret(secret, template=kind == REPO_CREDS)
        except ValueError as err:
            problems.append(f"Secret/{meta.get('namespace') or ''}/{name}: {err}")
            continue
        (templates if parsed.template else repositories).append(parsed)
    by_name = sorted(repositories, key=lambda c: c.secret)
    return RepoCredentials(
        tuple(by_name), tuple(sorted(templates, key=lambda c: c.secret)), tuple(problems)
    )


def parse_secret(secret: Mapping[str, Any], *, template: bool) -> RepoCredential:
    """One Secret's fields; ValueError (naming a field, never a value) when unusable."""
    values = secret_fields(secret)
    url = values.get("url", "").strip()
    if not url:
        raise ValueError("no url")
    kind = values.get("type", "git").strip().lower() or "git"
    if kind not in ("git", "helm", "oci"):
        raise ValueError(f"unknown type {kind!r} (git, helm or oci)")
    return RepoCredential(
        secret=str((secret.get("metadata") or {}).get("name") or "?"),
        url=url,
        template=template,
        type=kind,
        name=values.get("name", ""),
        project=values.get("project", ""),
        username=values.get("username", ""),
        password=values.get("password", ""),
        ssh_private_key=values.get("sshPrivateKey", ""),
        tls_client_cert_data=values.get("tlsClientCertData", ""),
        tls_client_cert_key=values.get("tlsClientCertKey", ""),
        insecure=values.get("insecure", "").strip().lower() in _TRUE,
        enable_oci=values.get("enableOCI", "").strip().lower() in _TRUE or kind == "oci",
    )


def secret_fields(secret: Mapping[str, Any]) -> dict[str, str]:
    """A Secret's keys decoded to text: base64 ``data`` overlaid by ``stringData``."""
    out: dict[str, str] = {}
    data = secret.get("data") or {}
    if not isinstance(data, Mapping):
        raise ValueError("data is not a mapping")
    for key, raw in data.items():
        if not isinstance(raw, str) or len(raw) > MAX_FIELD_BYTES * 2:
            raise ValueError(f"field {key!r} is not a base64 string of a sensible size")
        try:
            out[str(key)] = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError(f"field {key!r} is not base64 of UTF-8 text") from None
    string_data = secret.get("stringData") or {}
    if not isinstance(string_data, Mapping):
        raise ValueError("stringData is not a mapping")
    for key, raw in string_data.items():
        if not isinstance(raw, str) or len(raw) > MAX_FIELD_BYTES:
            raise ValueError(f"field {key!r} is not a string of a sensible size")
        out[str(key)] = raw
    return out


def known_hosts_from_configmap(configmap: Mapping[str, Any] | None) -> str:
    """The ``ssh_known_hosts`` text of Argo CD's known-hosts ConfigMap ("" when absent)."""
    if not configmap:
        return ""
    data = configmap.get("data") or {}
    value = data.get(KNOWN_HOSTS_KEY, "") if isinstance(data, Mapping) else ""
    return value if isinstance(value, str) and len(value) <= MAX_FIELD_BYTES * 4 else ""


def _kind_fits(credential: RepoCredential, kind: str | None) -> bool:
    if kind is None:
        return True
    if kind == "helm":
        return credential.type in ("helm", "oci")
    return credential.type == kind


def _canonical(url: str) -> str:
    """A repository URL for exact matching; OCI registries (``oci://host/path`` or
    ``host/path``, as Argo CD spells Helm OCI repositories) without their scheme."""
    text = _without_oci(url)
    if "://" in text or text.startswith(("/", ".", "~")) or "@" in text.split("/")[0]:
        return normalize_repo_url(text)
    return text.lower().rstrip("/")


def _without_oci(url: str) -> str:
    text = url.strip()
    return text[len("oci://") :] if text.lower().startswith("oci://") else text


def _comparable(url: str) -> str:
    """A URL for prefix matching: trimmed, scheme and host in lower case."""
    text = _without_oci(url)
    scheme, sep, rest = text.partition("://")
    if not sep:
        host, slash, path = text.partition("/")
        return host.lower() + slash + path
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
