"""Helm charts from OCI registries (``oci://registry/path`` plus a chart name).

The OCI distribution API: ``GET /v2/<name>/tags/list`` lists the versions (Helm writes
a version's ``+`` as ``_`` in a tag), ``GET /v2/<name>/manifests/<tag>`` gives the
manifest whose layer of media type ``application/vnd.cncf.helm.chart.content.v1.tar+gzip``
is the chart archive, fetched by digest from ``/v2/<name>/blobs/<digest>``, checked
against that digest and unpacked once per digest.

Authentication as registries ask for it: a 401 answer's ``WWW-Authenticate`` names
``Basic`` (send the credentials) or ``Bearer realm=...,service=...,scope=...`` (get a
token from the realm, with the credentials as basic auth when there are any, and send
it). Credentials never follow a redirect (blobs are often served from another host).
Loopback registries and hosts listed in ``GITSYNC_OCI_PLAIN_HTTP`` are spoken to over
plain HTTP, as Docker does for local registries; any other over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsync.errors import SourceError
from gitsync.source.chartarchive import megabytes, one_line, unpack_chart
from gitsync.source.credentials import BasicAuth
from gitsync.source.semver import best_match, parse_constraint, sort_versions

CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
_LEGACY_CHART_LAYER = "application/tar+gzip"
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_TAG_PAGES = 50
_NAME = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def is_oci(repo_url: str) -> bool:
    """``oci://`` URLs and, as Argo CD reads Helm OCI repositories, URLs without a scheme."""
    text = repo_url.strip()
    return text.lower().startswith("oci://") or ("://" not in text and bool(text))


@dataclass(frozen=True)
class OciRef:
    """A chart in a registry: where to reach it and its repository name there."""

    host: str  # host[:port]
    name: str  # repository name: path/chart
    plain_http: bool

    @classmethod
    def parse(cls, repo_url: str, chart: str) -> OciRef:
        text = repo_url.strip()
        text = text[len("oci://") :] if text.lower().startswith("oci://") else text
        host, _, path = text.partition("/")
        name = "/".join(p for p in (path.strip("/"), chart.strip().strip("/")) if p)
        if not _HOST.match(host):
            raise SourceError(f"invalid OCI registry host in {repo_url!r}")
        if not name or not _NAME.match(name) or len(name) > 255:
            raise SourceError(f"invalid OCI repository name {name!r} (from {repo_url!r})")
        plain = os.environ.get("GITSYNC_OCI_PLAIN_HTTP", "")
        listed = {h.strip().lower() for h in plain.split(",") if h.strip()}
        hostname = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host
        plain_http = hostname in _LOOPBACK or host.lower() in listed
        return cls(host.lower(), name, plain_http)

    @property
    def base(self) -> str:
        return f"{'http' if self.plain_http else 'https'}://{self.host}"

    @property
    def label(self) -> str:
        return f"oci://{self.host}/{self.name}"


@dataclass(frozen=True)
class OciChart:
    """A pulled chart: its unpacked directory and the digest of its archive."""

    path: Path
    version: str
    digest: str


@dataclass
class _Session:
    """One request sequence against one repository, holding the token it obtained."""

    ref: OciRef
    auth: tuple[str, str] | None = field(default=None, repr=False)
    token: str = field(default="", repr=False)


class OciChartClient:
    """Lists versions and pulls charts from OCI registries; thread-safe."""

    def __init__(self, cache_dir: Path, *, timeout: float, max_archive_bytes: int) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.max_archive_bytes = max_archive_bytes
        self._opener = urllib.request.build_opener()
        self._lock = threading.Lock()
        self._tags: dict[str, tuple[float, list[str]]] = {}

    def resolve(
        self, repo_url: str, chart: str, constraint: str, credentials: BasicAuth | None, ttl: float
    ) -> str:
        """The highest version whose tag `constraint` matches."""
        wanted = parse_constraint(constraint)
        ref = OciRef.parse(repo_url, chart)
        versions = self._versions(_Session(ref, _auth(credentials, repo_url)), ttl)
        found = best_match(versions, wanted)
        if found is None:
            shown = ", ".join(sort_versions(versions)[:10]) or "none"
            raise SourceError(
                f"no version of {ref.label} matches {constraint!r} (available: {shown})"
            )
        return found

    def pull(
        self, repo_url: str, chart: str, version: str, credentials: BasicAuth | None
    ) -> OciChart:
        """The unpacked chart `version`; its archive is downloaded once per digest."""
        ref = OciRef.parse(repo_url, chart)
        session = _Session(ref, _auth(credentials, repo_url))
        label = f"chart {ref.label}:{version}"
        tag = version.replace("+", "_")
        manifest = self._json(
            session, f"/v2/{ref.name}/manifests/{urllib.parse.quote(tag)}", label, MANIFEST_TYPES
        )
        layer = _chart_layer(manifest, label)
        digest, size = layer
        destination = self.cache_dir / "oci" / digest.replace(":", "-")
        if not destination.is_dir():
            if size > self.max_archive_bytes:
                raise SourceError(f"{label}: larger than {megabytes(self.max_archive_bytes)}")
            data = self._get(session, f"/v2/{ref.name}/blobs/{digest}", label, (), size)
            actual = "sha256:" + hashlib.sha256(data).hexdigest()
            if actual != digest:
                raise SourceError(
                    f"{label}: archive digest {actual[:23]}... does not match the manifest "
                    f"({digest[:23]}...)"
                )
            name = ref.name.rsplit("/", 1)[-1]
            unpack_chart(data, name, destination, self.max_archive_bytes, label)
        return OciChart(destination, version, digest)

    # -- distribution API ------------------------------------------------------------------

    def _versions(self, session: _Session, ttl: float) -> list[str]:
        key = session.ref.label
        with self._lock:
            cached = self._tags.get(key)
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        label = f"cannot list the versions of {session.ref.label}"
        tags: list[str] = []
        path: str | None = f"/v2/{session.ref.name}/tags/list?n=1000"
        for _ in range(MAX_TAG_PAGES):
            if path is None:
                break
            body, link = self._request(session, path, label, ("application/json",), MAX_JSON_BYTES)
            page = _loads(body, label)
            found = page.get("tags") if isinstance(page, dict) else None
            tags.extend(str(t) for t in found or [] if isinstance(t, str))
            path = _next_page(link)
        versions = [tag.replace("_", "+") for tag in tags]
        with self._lock:
            self._tags[key] = (time.monotonic(), versions)
        return versions

    def _json(
        self, session: _Session, path: str, label: str, accept: tuple[str, ...]
    ) -> dict[str, Any]:
        body = self._get(session, path, label, accept, MAX_JSON_BYTES)
        loaded = _loads(body, label)
        if not isinstance(loaded, dict):
            raise SourceError(f"{label}: the registry answered with no JSON object")
        return loaded

    def _get(
        self, session: _Session, path: str, label: str, accept: tuple[str, ...], limit: int
    ) -> bytes:
        return self._request(session, path, label, accept, limit)[0]

    def _request(
        self, session: _Session, path: str, label: str, accept: tuple[str, ...], limit: int
    ) -> tuple[bytes, str]:
        """(body, Link header) of a GET, authenticating once when the registry asks."""
        for attempt in range(2):
            request = urllib.request.Request(session.ref.base + path)
            request.add_header("User-Agent", "gitsync")
            if accept:
                request.add_header("Accept", ", ".join(accept))
            if session.token:
                request.add_unredirected_header("Authorization", f"Bearer {session.token}")
            elif attempt == 1 and session.auth is not None:
                request.add_unredirected_header("Authorization", _basic(session.auth))
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return _read(response, limit, label), response.headers.get("Link", "")
            except urllib.error.HTTPError as err:
                if err.code != 401 or attempt == 1:
                    raise SourceError(f"{label}: HTTP {err.code} {err.reason}") from None
                self._authenticate(session, err.headers.get("WWW-Authenticate", ""), label)
            except urllib.error.URLError as err:
                raise SourceError(f"{label}: {one_line(err.reason)}") from None
            except (OSError, http.client.HTTPException, ValueError) as err:
                raise SourceError(f"{label}: {one_line(err)}") from None
        raise SourceError(f"{label}: the registry refused the credentials")

    def _authenticate(self, session: _Session, challenge: str, label: str) -> None:
        scheme, params = _challenge(challenge)
        if scheme == "basic":
            if session.auth is None:
                raise SourceError(f"{label}: the registry needs credentials and none match it")
            return
        if scheme != "bearer" or not params.get("realm"):
            raise SourceError(f"{label}: unsupported registry authentication {scheme!r}")
        realm = params["realm"]
        if urllib.parse.urlsplit(realm).scheme not in ("http", "https"):
            raise SourceError(f"{label}: token realm is not http(s)")
        query = {k: params[k] for k in ("service", "scope") if params.get(k)}
        query.setdefault("scope", f"repository:{session.ref.name}:pull")
        request = urllib.request.Request(f"{realm}?{urllib.parse.urlencode(query)}")
        if session.auth is not None:
            request.add_unredirected_header("Authorization", _basic(session.auth))
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = _read(response, MAX_JSON_BYTES, label)
        except urllib.error.HTTPError as err:
            raise SourceError(f"{label}: token request: HTTP {err.code} {err.reason}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise SourceError(f"{label}: token request: {one_line(err)}") from None
        answer = _loads(body, label)
        token = (
            answer.get("token") or answer.get("access_token") if isinstance(answer, dict) else ""
        )
        if not isinstance(token, str) or not token:
            raise SourceError(f"{label}: the token endpoint gave no token")
        session.token = token


def _auth(credentials: BasicAuth | None, repo_url: str) -> tuple[str, str] | None:
    """Credentials for the repository URL as written (Argo CD's Secrets name the
    registry path, not the chart)."""
    if credentials is None:
        return None
    text = repo_url.strip()
    return credentials.basic_auth_for(text if "://" in text else f"oci://{text}")


def _basic(auth: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()


def _read(response: Any, limit: int, label: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SourceError(f"{label}: larger than {megabytes(limit)}")
    data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise SourceError(f"{label}: larger than {megabytes(limit)}")
    return data


def _loads(body: bytes, label: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SourceError(f"{label}: the registry answered with invalid JSON") from None


def _chart_layer(manifest: dict[str, Any], label: str) -> tuple[str, int]:
    layers = manifest.get("layers")
    for layer in layers if isinstance(layers, list) else []:
        if not isinstance(layer, dict):
            continue
        if layer.get("mediaType") in (CHART_LAYER, _LEGACY_CHART_LAYER):
            digest, size = str(layer.get("digest") or ""), layer.get("size")
            if not _DIGEST.match(digest):
                raise SourceError(f"{label}: chart layer has an unsupported digest")
            return digest, int(size) if isinstance(size, int) and size >= 0 else 0
    raise SourceError(f"{label}: the manifest holds no Helm chart layer ({CHART_LAYER})")


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    """(scheme in lower case, parameters) of a WWW-Authenticate header."""
    scheme, _, rest = header.strip().partition(" ")
    params = {k.lower(): v for k, v in re.findall(r'([A-Za-z]+)="([^"]*)"', rest)}
    return scheme.lower(), params


def _next_page(link: str) -> str | None:
    """The path of a ``Link: </v2/...>; rel="next"`` header, if any."""
    found = re.match(r'^\s*<([^>]+)>\s*;\s*rel="?next"?', link or "")
    if not found:
        return None
    target = urllib.parse.urlsplit(found.group(1))
    if target.netloc or not target.path.startswith("/v2/"):
        return None  # only follow pages of the same registry
    return target.path + (f"?{target.query}" if target.query else "")
