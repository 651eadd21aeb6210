"""Helm chart dependencies, put into ``charts/`` before a chart is rendered (what
``helm dependency build`` does for Argo CD).

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
import json
import posixpath
import shutil
import tarfile
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import GitsyncError, RenderError
from gitsync.render.materialize import materialize
from gitsync.render.parse import ManifestLoader
from gitsync.source.credentials import Credentials
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
        self, charts: HelmRepoCache | None = None, credentials: Credentials | None = None
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

    def vendor(self, tree: Tree, path: str, chart_dir: Path, depth: int = 0) -> None:
        """Write every dependency of the chart at `chart_dir` (a copy of `path` in
        `tree`) that its ``charts/`` lacks into ``charts/<name>``, recursively."""
        declared, lock, api_version = _declared(chart_dir, path)
        if not declared:
            return
        label = f"chart {path or '.'}"
        if depth >= MAX_DEPTH:
            raise RenderError(f"{label}: dependencies nest deeper than {MAX_DEPTH} charts")
        locked = _locked_versions(declared, lock, api_version, label)
        present = _present(chart_dir / "charts")
        for dependency in declared:
            name = str(dependency.get("name") or "")
            if not name:
                raise RenderError(f"{label}: a dependency has no name")
            if name in present:
                continue
            repository = str(dependency.get("repository") or "").strip()
            where = f"{label}: dependency {name}" + (
                f" from {redact_url(repository)}" if repository else ""
            )
            try:
                self._fetch(tree, path, chart_dir, dependency, locked.get(name), depth)
            except RenderError as err:
                raise RenderError(f"{where}: {err}") from None
            except GitsyncError as err:
                raise RenderError(f"{where}: {err}") from None
            present.add(name)

    def _fetch(
        self,
        tree: Tree,
        path: str,
        chart_dir: Path,
        dependency: dict[str, Any],
        locked: str | None,
        depth: int,
    ) -> None:
        name = str(dependency["name"])
        repository = str(dependency.get("repository") or "").strip()
        constraint = str(dependency.get("version") or "*").strip() or "*"
        target = chart_dir / "charts" / name
        if not repository:
            raise RenderError("not in charts/ and no repository given")
        if repository.startswith("file://"):
            source = join_path(path, repository.removeprefix("file://"))  # SourceError if outside
            if not tree.is_file(posixpath.join(source, "Chart.yaml") if source else "Chart.yaml"):
                raise RenderError(f"no chart at {source or '.'} in the repository")
            _copy(tree, source, target)
            _check_version(target, constraint)
            self.vendor(tree, source, target, depth + 1)
            return
        if repository.startswith(("@", "alias:")):
            raise RenderError("repository aliases need `helm repo add`: write the repository URL")
        version = locked or self.charts.resolve(repository, name, constraint, self._credentials)
        chart_tree = self.charts.tree(repository, name, version, self._credentials)
        _copy(chart_tree, "", target)
        self.vendor(chart_tree, "", target, depth + 1)


def _declared(chart_dir: Path, path: str) -> tuple[list[dict[str, Any]], Any, str]:
    """(dependencies, lock document or None, apiVersion) of the chart."""
    chart = _load_yaml(chart_dir / "Chart.yaml", path) or {}
    api_version = str(chart.get("apiVersion") or "v1") if isinstance(chart, dict) else "v1"
    if api_version == "v1":
        requirements = _load_yaml(chart_dir / "requirements.yaml", path) or {}
        declared = requirements.get("dependencies") if isinstance(requirements, dict) else None
        lock = _load_yaml(chart_dir / "requirements.lock", path)
    else:
        declared = chart.get("dependencies") if isinstance(chart, dict) else None
        lock = _load_yaml(chart_dir / "Chart.lock", path)
    if declared is None:
        return [], None, api_version
    if not isinstance(declared, list) or not all(isinstance(d, dict) for d in declared):
        raise RenderError(f"chart {path or '.'}: dependencies must be a list of mappings")
    return declared, lock, api_version


def _load_yaml(file: Path, path: str) -> Any:
    if not file.is_file():
        return None
    if file.stat().st_size > _MAX_CHART_YAML:
        raise RenderError(f"chart {path or '.'}: {file.name} is larger than 1 MB")
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=ManifestLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        raise RenderError(f"chart {path or '.'}: {file.name} is not valid YAML") from None


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


def _present(charts: Path) -> set[str]:
    """Names of the subcharts in ``charts/``: directories and archives, by Chart.yaml."""
    names: set[str] = set()
    if not charts.is_dir():
        return names
    for entry in sorted(charts.iterdir()):
        if entry.is_dir() and (entry / "Chart.yaml").is_file():
            chart = _load_yaml(entry / "Chart.yaml", entry.name)
            if isinstance(chart, dict) and chart.get("name"):
                names.add(str(chart["name"]))
        elif entry.is_file() and entry.name.endswith((".tgz", ".tar.gz")):
            name = _archive_chart_name(entry)
            if name:
                names.add(name)
    return names


def _archive_chart_name(archive: Path) -> str:
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                parts = member.name.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    if member.size > _MAX_CHART_YAML:
                        return ""
                    handle = tar.extractfile(member)
                    chart = yaml.load(handle.read(), Loader=ManifestLoader) if handle else None
                    return str(chart.get("name") or "") if isinstance(chart, dict) else ""
    except (tarfile.TarError, OSError, EOFError, yaml.YAMLError, UnicodeDecodeError):
        return ""  # Helm fails on it with its own message
    return ""


def _copy(tree: Tree, source: str, target: Path) -> None:
    """The files below `source` in `tree`, as the directory `target`."""
    with tempfile.TemporaryDirectory(prefix="gitsync-dep-") as tmp:
        staging = Path(tmp) / "chart"
        materialize(tree, source, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging / source if source else staging), target)


def _check_version(chart_dir: Path, constraint: str) -> None:
    chart = _load_yaml(chart_dir / "Chart.yaml", str(chart_dir.name)) or {}
    version = str(chart.get("version") or "") if isinstance(chart, dict) else ""
    wanted = parse_constraint(constraint)
    if Version.parse(version) is None or not wanted.matches(version):
        raise RenderError(f"its version {version or '(none)'} does not satisfy {constraint!r}")
