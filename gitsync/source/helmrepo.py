"""Charts from Helm repositories over HTTP(S): index.yaml -> version -> extracted chart.

An Application source with ``chart:`` names a chart in a repository whose
``<repoURL>/index.yaml`` lists every version and where to download it. `resolve` picks
the version a ``targetRevision`` constraint means now (index fetches are cached for a
short TTL, so a poll of many apps of one repository costs one fetch); `tree` downloads
that version's archive once, checks the index's sha256 digest, unpacks it under the
cache directory and returns a Tree rooted at the chart, which the renderer treats as a
Helm chart at path "".

Everything from a repository is untrusted: archive URLs must be http(s), credentials
go only to the repository's own host (and never across a redirect), archives and their
unpacked content are capped in size, and members with absolute paths, ``..``, links
or device files are refused. OCI registries (``oci://`` or a URL without a scheme, as
Argo CD reads them) are served by `gitsync.source.ocichart` behind the same methods.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import importlib
import importlib.util
import re
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from gitsync.errors import SourceError
from gitsync.source.chartarchive import megabytes as _megabytes
from gitsync.source.chartarchive import one_line as _reason
from gitsync.source.chartarchive import unpack_chart as _unpack
from gitsync.source.credentials import BasicAuth
from gitsync.source.localtree import LocalTree
from gitsync.source.ocichart import OciChartClient, OciRef, is_oci
from gitsync.source.semver import Version, best_match, parse_constraint, sort_versions
from gitsync.source.urls import redact_url

INDEX_TTL = 30.0
TIMEOUT = 30.0
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_INDEX_BYTES = 128 * 1024 * 1024  # large public repositories publish indexes of ~20 MB
_LISTED = 10  # versions or charts named in an error message

try:
    _YAML_LOADER: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _YAML_LOADER = yaml.SafeLoader


@dataclass
class HelmRepoStats:
    """Round trips to Helm repositories (for tests, benchmarks and metrics)."""

    index_fetches: int = 0
    downloads: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class ChartVersion:
    """One entry of a repository index: a version of a chart and where to get it."""

    name: str
    version: str
    urls: tuple[str, ...]
    digest: str  # hex sha256 of the archive, "" when the index gives none


class ChartTree(LocalTree):
    """An unpacked chart version: a LocalTree whose revision is the chart's version.

    `identity` names the immutable content (repository, chart, version, digest), so the
    renderer caches renders of it like those of a Git commit.
    """

    def __init__(self, root: Path, version: str, identity: str) -> None:
        super().__init__(root)
        self._version = version
        self.identity = identity

    @property
    def revision(self) -> str:
        return self._version


@dataclass(frozen=True)
class _Repo:
    """A repository URL split into what is fetched and what is sent to authenticate."""

    base: str  # scheme://host[:port]/path, without user info or a trailing slash
    auth: tuple[str, str] | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, repo_url: str, credentials: BasicAuth | None) -> _Repo:
        text = repo_url.strip()
        if not text:
            raise SourceError("no Helm repository URL given")
        try:
            parts = urllib.parse.urlsplit(text)
            hostname, username, password = parts.hostname, parts.username, parts.password
            _ = parts.port  # raises ValueError for a port that is not a number
        except ValueError:
            raise SourceError(f"invalid Helm repository URL {redact_url(text)}") from None
        if parts.scheme.lower() not in ("http", "https") or not hostname:
            raise SourceError(
                f"Helm repository URL must be http(s)://host/path: {redact_url(text)}"
            )
        netloc = parts.netloc.rpartition("@")[2]
        base = urllib.parse.urlunsplit(
            (parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", "")
        )
        auth = credentials.basic_auth_for(base) if credentials is not None else None
        if auth is None and username is not None:
            auth = (urllib.parse.unquote(username), urllib.parse.unquote(password or ""))
        return cls(base, auth)

    def same_origin(self, url: str) -> bool:
        mine, theirs = urllib.parse.urlsplit(self.base), urllib.parse.urlsplit(url)
        return (mine.scheme, mine.netloc.lower()) == (theirs.scheme, theirs.netloc.lower())


@dataclass
class _Index:
    fetched_at: float
    charts: dict[str, list[ChartVersion]]


class HelmRepoCache:
    """Indexes and unpacked charts of Helm repositories, shared by every app and thread."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        index_ttl: float = INDEX_TTL,
        timeout: float = TIMEOUT,
        max_archive_bytes: int = MAX_ARCHIVE_BYTES,
        use_sdk: bool | None = None,
    ) -> None:
        """`cache_dir` holds unpacked charts (a temp dir, removed by `close`, when None).

        `use_sdk` picks how index.yaml is fetched: through the embedded Helm of
        ``gitsync[helm]`` (None: when it is installed) or with urllib.
        """
        self._owned_dir = cache_dir is None
        self.cache_dir = (
            Path(tempfile.mkdtemp(prefix="gitsync-charts-")) if cache_dir is None else cache_dir
        )
        self.index_ttl = index_ttl
        self.timeout = timeout
        self.max_archive_bytes = max_archive_bytes
        self.stats = HelmRepoStats()
        # The embedded Helm is a Go library of some 40 MiB resident: loaded at the first
        # index it fetches, not by every process that may never read a Helm repository.
        self._use_sdk = use_sdk is None or use_sdk
        self._sdk_module: Any | None = None
        if use_sdk and importlib.util.find_spec("helm_python") is None:
            raise SourceError("the embedded Helm is not installed (pip install 'gitsync[helm]')")
        self._opener = _opener()
        self._oci = OciChartClient(
            self.cache_dir / "charts", timeout=timeout, max_archive_bytes=max_archive_bytes
        )
        self._indexes: dict[str, _Index] = {}
        self._trees: dict[tuple[str, str, str], ChartTree] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def resolve(
        self,
        repo_url: str,
        chart: str,
        constraint: str,
        credentials: BasicAuth | None = None,
    ) -> str:
        """The version of `chart` that `constraint` (a version, ``1.2.*``, ``^1.2``...)
        selects now: the highest match, spelled as the index spells it."""
        if is_oci(repo_url):
            OciRef.parse(repo_url, chart)  # a bad reference costs no round trip
            self.stats.count("index_fetches")
            return self._oci.resolve(repo_url, chart, constraint, credentials, self.index_ttl)
        wanted = parse_constraint(constraint)
        repo = _Repo.parse(repo_url, credentials)
        entries = self._chart_entries(repo, chart)
        version = best_match((entry.version for entry in entries), wanted)
        if version is None:
            raise SourceError(
                f"no version of chart {chart!r} in Helm repository {repo.base} matches "
                f"{constraint!r} (available: {_listing(sort_versions(e.version for e in entries))})"
            )
        return version

    def tree(
        self,
        repo_url: str,
        chart: str,
        version: str,
        credentials: BasicAuth | None = None,
    ) -> ChartTree:
        """The unpacked chart `version` (as `resolve` returns it), downloaded at most once."""
        if is_oci(repo_url):
            return self._oci_tree(repo_url, chart, version, credentials)
        repo = _Repo.parse(repo_url, credentials)
        key = (repo.base, chart, version)
        with self._lock:
            known = self._trees.get(key)
        if known is not None:
            return known
        with self._lock_for(("tree", *key)):
            with self._lock:
                known = self._trees.get(key)
            if known is not None:  # another thread unpacked it while this one waited
                return known
            entry = self._entry(repo, chart, version)
            destination = self.cache_dir / "charts" / _directory_name(repo, entry)
            if not destination.is_dir():
                self._download(repo, entry, destination)
            identity = f"helm:{repo.base}#{chart}@{entry.version}:{destination.name}"
            tree = ChartTree(destination, entry.version, identity)
            with self._lock:
                self._trees[key] = tree
        return tree

    def _oci_tree(
        self, repo_url: str, chart: str, version: str, credentials: BasicAuth | None
    ) -> ChartTree:
        key = (repo_url.strip(), chart, version)
        with self._lock:
            known = self._trees.get(key)
        if known is not None:
            return known
        with self._lock_for(("tree", *key)):
            with self._lock:
                known = self._trees.get(key)
            if known is not None:
                return known
            self.stats.count("downloads")
            pulled = self._oci.pull(repo_url, chart, version, credentials)
            identity = f"oci:{redact_url(repo_url.strip())}#{chart}@{version}:{pulled.digest}"
            tree = ChartTree(pulled.path, pulled.version, identity)
            with self._lock:
                self._trees[key] = tree
        return tree

    def close(self) -> None:
        """Forget cached indexes and trees; remove the cache dir if it is a temp one."""
        with self._lock:
            self._indexes.clear()
            self._trees.clear()
        if self._owned_dir:
            shutil.rmtree(self.cache_dir, ignore_errors=True)

    def __enter__(self) -> HelmRepoCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- index -----------------------------------------------------------------------------

    def _lock_for(self, key: Hashable) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    def _index(self, repo: _Repo) -> dict[str, list[ChartVersion]]:
        """The repository's charts, fetched at most once per TTL (one fetch at a time)."""
        with self._lock_for(("index", repo.base)):
            with self._lock:
                cached = self._indexes.get(repo.base)
            if cached is not None and time.monotonic() - cached.fetched_at < self.index_ttl:
                return cached.charts
            charts = _parse_index(self._fetch_index(repo), repo)
            with self._lock:
                self._indexes[repo.base] = _Index(time.monotonic(), charts)
            return charts

    def _fetch_index(self, repo: _Repo) -> Any:
        self.stats.count("index_fetches")
        what = f"cannot fetch the index of Helm repository {repo.base}"
        sdk = self._sdk()
        if sdk is None:
            data = self._get(f"{repo.base}/index.yaml", repo.auth, MAX_INDEX_BYTES, what)
            try:
                return yaml.load(data, Loader=_YAML_LOADER)
            except yaml.YAMLError as err:
                raise SourceError(
                    f"{what}: index.yaml is not valid YAML ({_reason(err)})"
                ) from None
        username, password = repo.auth if repo.auth else (None, None)
        try:
            return sdk.repo_index(repo.base, username=username, password=password)
        except sdk.HelmError as err:
            raise SourceError(f"{what}: {redact_url(_reason(err))}") from None

    def _sdk(self) -> Any | None:
        """The embedded Helm, loaded on first use; None when not used or not installed."""
        if self._use_sdk and self._sdk_module is None:
            self._sdk_module = _helm_sdk()
            self._use_sdk = self._sdk_module is not None
        return self._sdk_module

    def _chart_entries(self, repo: _Repo, chart: str) -> list[ChartVersion]:
        if not chart.strip():
            raise SourceError(f"no chart name given for Helm repository {repo.base}")
        charts = self._index(repo)
        entries = charts.get(chart)
        if not entries:
            names = sorted(name for name, found in charts.items() if found)
            raise SourceError(
                f"chart {chart!r} not found in Helm repository {repo.base} "
                f"(charts: {_listing(names)})"
            )
        return entries

    def _entry(self, repo: _Repo, chart: str, version: str) -> ChartVersion:
        """The index entry of exactly `version` (``v1.2.3`` finds ``1.2.3`` too)."""
        entries = self._chart_entries(repo, chart)
        for entry in entries:
            if entry.version == version:
                return entry
        if Version.parse(version) is not None:
            same = best_match((entry.version for entry in entries), version)
            for entry in entries:
                if entry.version == same:
                    return entry
        raise SourceError(
            f"chart {chart!r} has no version {version!r} in Helm repository {repo.base} "
            f"(available: {_listing(sort_versions(e.version for e in entries))})"
        )

    # -- archives --------------------------------------------------------------------------

    def _download(self, repo: _Repo, entry: ChartVersion, destination: Path) -> None:
        label = f"chart {entry.name!r} {entry.version} from {repo.base}"
        if not entry.urls:
            raise SourceError(f"{label}: the index lists no download URL")
        url = _archive_url(repo, entry.urls[0], label)
        self.stats.count("downloads")
        auth = repo.auth if repo.same_origin(url) else None  # as Helm: no credentials elsewhere
        data = self._get(url, auth, self.max_archive_bytes, f"cannot download {label}")
        if entry.digest:
            actual = hashlib.sha256(data).hexdigest()
            if actual != entry.digest:
                raise SourceError(
                    f"{label}: archive digest sha256:{actual[:16]}... does not match the "
                    f"index (sha256:{entry.digest[:16]}...)"
                )
        _unpack(data, entry.name, destination, self.max_archive_bytes, label)

    def _get(self, url: str, auth: tuple[str, str] | None, limit: int, what: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": "gitsync"})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            # Unredirected: a redirect to another host must not carry the credentials.
            request.add_unredirected_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise SourceError(f"{what}: larger than {_megabytes(limit)}")
                data: bytes = response.read(limit + 1)
        except urllib.error.HTTPError as err:
            raise SourceError(f"{what}: HTTP {err.code} {err.reason}") from None
        except urllib.error.URLError as err:
            raise SourceError(f"{what}: {redact_url(_reason(err.reason))}") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise SourceError(f"{what}: {redact_url(_reason(err))}") from None
        if len(data) > limit:
            raise SourceError(f"{what}: larger than {_megabytes(limit)}")
        return data


# -- helpers ---------------------------------------------------------------------------------


def _helm_sdk() -> Any | None:
    try:
        return importlib.import_module("helm_python")
    except ImportError:
        return None


def _opener() -> urllib.request.OpenerDirector:
    """HTTP(S) only: no file:// or ftp:// handler, so an index cannot point at local files."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _parse_index(raw: Any, repo: _Repo) -> dict[str, list[ChartVersion]]:
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if entries is None and isinstance(raw, dict):
        entries = {}  # an empty repository
    if not isinstance(entries, dict):
        raise SourceError(f"Helm repository {repo.base} has an invalid index.yaml (no entries)")
    charts: dict[str, list[ChartVersion]] = {}
    for name, versions in entries.items():
        found: list[ChartVersion] = []
        for item in versions if isinstance(versions, list) else []:
            if not isinstance(item, dict) or item.get("version") in (None, ""):
                continue
            urls = item.get("urls")
            digest = str(item.get("digest") or "").strip().lower().removeprefix("sha256:")
            found.append(
                ChartVersion(
                    name=str(name),
                    version=str(item["version"]),
                    urls=tuple(str(u) for u in urls) if isinstance(urls, list) else (),
                    digest=digest,
                )
            )
        charts[str(name)] = found
    return charts


def _archive_url(repo: _Repo, url: str, label: str) -> str:
    """`url` resolved against the repository (Helm's relative ``urls`` entries)."""
    resolved = urllib.parse.urljoin(f"{repo.base}/", url.strip())
    if urllib.parse.urlsplit(resolved).scheme.lower() not in ("http", "https"):
        raise SourceError(f"{label}: download URL {redact_url(url)!r} is not http(s)")
    return resolved


def _directory_name(repo: _Repo, entry: ChartVersion) -> str:
    """A readable, unique directory per (repository, chart, version, digest)."""
    key = "\x00".join((repo.base, entry.name, entry.version, entry.digest))
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    readable = re.sub(r"[^A-Za-z0-9._-]", "_", f"{entry.name}-{entry.version}")[:80]
    return f"{readable.lstrip('.')}-{digest}"


def _listing(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:_LISTED])
    return f"{shown} and {len(names) - _LISTED} more" if len(names) > _LISTED else shown
