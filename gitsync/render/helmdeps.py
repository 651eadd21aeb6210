"""Helm chart dependencies, put into ``charts/`` before a chart is rendered (what
``helm dependency build`` does for Argo CD), by mounting them into a view of the tree.

A dependency already in ``charts/`` (a directory or an archive) is used as it is. Else:
``file://`` paths are copied from the repository (they must stay inside it), and
HTTP(S) repositories are read through the Helm repository cache, at the version of
``Chart.lock`` when there is one (which must match ``Chart.yaml``, checked by Helm's
digest) or else the best match for the version constraint. `condition`, `tags` and
`alias` are applied by Helm itself once the subcharts are in place. A dependency that
cannot be had is a RenderError naming the chart, the dependency and its repository:
rendering without it would drop the subchart's objects.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import posixpath
import tarfile
import threading
import zlib
from typing import Any

import yaml

from gitsync.errors import GitsyncError, RenderError
from gitsync.render.overlay import OverlayTree
from gitsync.render.parse import ManifestLoader
from gitsync.source.credentials import BasicAuth
from gitsync.source.helmrepo import HelmRepoCache
from gitsync.source.paths import join_path
from gitsync.source.semver import Version, parse_constraint
from gitsync.source.tree import Tree
from gitsync.source.urls import redact_url

MAX_DEPTH = 5  # subcharts of subcharts...
_MAX_CHART_YAML = 1024 * 1024
# Go's field order of Helm's chart.Dependency, and whether the field is omitted when empty.
_DEPENDENCY_FIELDS = (
    ("name", False),
    ("version", True),
    ("repository", False),
    ("condition", True),
    ("tags", True),
    ("enabled", True),
    ("import-values", True),
    ("alias", True),
)


class ChartDependencies:
    """Resolves dependencies through a Helm repository cache (made on first need)."""

    def __init__(
        self, charts: HelmRepoCache | None = None, credentials: BasicAuth | None = None
    ) -> None:
        self._charts = charts
        self._credentials = credentials
        self._lock = threading.Lock()

    @property
    def charts(self) -> HelmRepoCache:
        with self._lock:
            if self._charts is None:
                self._charts = HelmRepoCache()
                atexit.register(self._charts.close)  # its downloads live in a temp dir
            return self._charts

    def with_dependencies(self, tree: Tree, path: str, depth: int = 0) -> Tree:
        """`tree` with each dependency of the chart at `path` that its ``charts/`` lacks
        mounted at ``charts/<name>`` (their own dependencies too); `tree` itself when
        nothing is missing."""
        label = f"chart {path or '.'}"
        declared, lock, api_version = _declared(tree, path, label)
        if not declared:
            return tree
        if depth >= MAX_DEPTH:
            raise RenderError(f"{label}: dependencies nest deeper than {MAX_DEPTH} charts")
        locked = _locked_versions(declared, lock, api_version, label)
        charts = posixpath.join(path, "charts") if path else "charts"
        present = _present(tree, charts)
        mounts: dict[str, tuple[Tree, str]] = {}
        for dependency in declared:
            name = str(dependency.get("name") or "")
            if not name or "/" in name or name in (".", ".."):
                raise RenderError(f"{label}: a dependency has no valid name ({name!r})")
            if name in present:
                continue
            repository = str(dependency.get("repository") or "").strip()
            where = f"{label}: dependency {name}" + (
                f" from {redact_url(repository)}" if repository else ""
            )
            try:
                mounts[f"{charts}/{name}"] = self._fetch(
                    tree, path, dependency, locked.get(name), depth
                )
            except GitsyncError as err:
                raise RenderError(f"{where}: {err}") from None
            present.add(name)
        return OverlayTree(tree, mounts) if mounts else tree

    def _fetch(
        self,
        tree: Tree,
        path: str,
        dependency: dict[str, Any],
        locked: str | None,
        depth: int,
    ) -> tuple[Tree, str]:
        """The dependency's chart as (tree, path), its own dependencies included."""
        name = str(dependency["name"])
        repository = str(dependency.get("repository") or "").strip()
        constraint = str(dependency.get("version") or "*").strip() or "*"
        if not repository:
            raise RenderError("not in charts/ and no repository given")
        if repository.startswith("file://"):
            source = join_path(path, repository.removeprefix("file://"))  # SourceError if outside
            chart_file = posixpath.join(source, "Chart.yaml") if source else "Chart.yaml"
            if not tree.is_file(chart_file):
                raise RenderError(f"no chart at {source or '.'} in the repository")
            _check_version(_load_yaml(tree, chart_file, source), constraint)
            return self.with_dependencies(tree, source, depth + 1), source
        if repository.startswith(("@", "alias:")):
            raise RenderError("repository aliases need `helm repo add`: write the repository URL")
        version = locked or self.charts.resolve(repository, name, constraint, self._credentials)
        chart_tree = self.charts.tree(repository, name, version, self._credentials)
        return self.with_dependencies(chart_tree, "", depth + 1), ""


def _declared(tree: Tree, path: str, label: str) -> tuple[list[dict[str, Any]], Any, str]:
    """(dependencies, lock document or None, apiVersion) of the chart."""

    def load(name: str) -> Any:
        file = posixpath.join(path, name) if path else name
        return _load_yaml(tree, file, label) if tree.is_file(file) else None

    chart = load("Chart.yaml") or {}
    api_version = str(chart.get("apiVersion") or "v1") if isinstance(chart, dict) else "v1"
    if api_version == "v1":
        requirements = load("requirements.yaml") or {}
        declared = requirements.get("dependencies") if isinstance(requirements, dict) else None
        lock = load("requirements.lock")
    else:
        declared = chart.get("dependencies") if isinstance(chart, dict) else None
        lock = load("Chart.lock")
    if declared is None:
        return [], None, api_version
    if not isinstance(declared, list) or not all(isinstance(d, dict) for d in declared):
        raise RenderError(f"{label}: dependencies must be a list of mappings")
    return declared, lock, api_version


def _load_yaml(tree: Tree, name: str, label: str) -> Any:
    data = tree.read_bytes(name)
    if len(data) > _MAX_CHART_YAML:
        raise RenderError(f"{label}: {posixpath.basename(name)} is larger than 1 MB")
    try:
        return yaml.load(data.decode("utf-8"), Loader=ManifestLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        raise RenderError(f"{label}: {posixpath.basename(name)} is not valid YAML") from None


def _locked_versions(
    declared: list[dict[str, Any]], lock: Any, api_version: str, label: str
) -> dict[str, str]:
    """Exact versions by dependency name from a lock that matches the declaration."""
    if not isinstance(lock, dict):
        return {}
    entries = lock.get("dependencies") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RenderError(f"{label}: the lock file's dependencies are not a list")
    digest = str(lock.get("digest") or "")
    if digest:
        expected = {lock_digest(declared, entries)}
        if api_version == "v1":
            expected.add(_v2_digest(declared))
        if digest not in expected:
            lock_name = "requirements.lock" if api_version == "v1" else "Chart.lock"
            raise RenderError(
                f"{label}: {lock_name} is out of sync with the dependencies it locks "
                "(run `helm dependency update` and commit the lock)"
            )
    return {str(e.get("name")): str(e.get("version")) for e in entries if e.get("version")}


def lock_digest(declared: list[dict[str, Any]], locked: list[dict[str, Any]]) -> str:
    """Helm's digest of a lock: SHA-256 of Go's JSON of [declared, locked]."""
    data = [[_go_dependency(d) for d in declared], [_go_dependency(d) for d in locked]]
    return "sha256:" + hashlib.sha256(_go_json(data).encode()).hexdigest()


def _v2_digest(declared: list[dict[str, Any]]) -> str:
    """The digest Helm 2 wrote into requirements.lock."""
    data = {"dependencies": [_go_dependency(d) for d in declared]}
    return "sha256:" + hashlib.sha256(_go_json(data).encode()).hexdigest()


def _go_dependency(dependency: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, omit_empty in _DEPENDENCY_FIELDS:
        value = dependency.get(field)
        if omit_empty and not value:
            continue
        out[field] = "" if value is None else value
    return out


def _go_json(value: Any) -> str:
    """JSON as Go's encoding/json writes it: compact, map keys sorted, HTML escaped."""
    text = json.dumps(_sorted_maps(value), separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _sorted_maps(value: Any, top: bool = True) -> Any:
    if isinstance(value, list):
        return [_sorted_maps(item, top) for item in value]
    if isinstance(value, dict):
        # A dependency's own fields keep Go's struct order; maps inside are sorted.
        items = value.items() if top else sorted(value.items())
        return {k: _sorted_maps(v, top=k == "dependencies") for k, v in items}
    return value


def _present(tree: Tree, charts: str) -> set[str]:
    """Names of the subcharts in ``charts/``: directories and archives, by Chart.yaml."""
    names: set[str] = set()
    if not tree.is_dir(charts):
        return names
    for entry, is_dir in tree.list_dir(charts):
        name = f"{charts}/{entry}"
        if is_dir and tree.is_file(f"{name}/Chart.yaml"):
            chart = _load_yaml(tree, f"{name}/Chart.yaml", name)
            if isinstance(chart, dict) and chart.get("name"):
                names.add(str(chart["name"]))
        elif not is_dir and entry.endswith((".tgz", ".tar.gz")):
            found = _archive_chart_name(tree.read_bytes(name))
            if found:
                names.add(found)
    return names


def _archive_chart_name(data: bytes) -> str:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                parts = member.name.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    if member.size > _MAX_CHART_YAML:
                        return ""
                    handle = tar.extractfile(member)
                    chart = yaml.load(handle.read(), Loader=ManifestLoader) if handle else None
                    return str(chart.get("name") or "") if isinstance(chart, dict) else ""
    except (tarfile.TarError, OSError, EOFError, zlib.error, yaml.YAMLError, UnicodeDecodeError):
        return ""  # Helm fails on it with its own message
    return ""


def _check_version(chart: Any, constraint: str) -> None:
    version = str(chart.get("version") or "") if isinstance(chart, dict) else ""
    wanted = parse_constraint(constraint)
    if Version.parse(version) is None or not wanted.matches(version):
        raise RenderError(f"its version {version or '(none)'} does not satisfy {constraint!r}")
