"""Helm charts: through the embedded Helm of `helm-python-sdk` (``gitsync[helm]``), else a
``helm`` binary on PATH (``helm template``). Both render offline from a temp copy of the
chart's subtree; NOTES.txt and partials are left out, ``crds/`` is included unless skipped.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import ManifestError, RenderError
from gitsync.model import Manifest
from gitsync.render.materialize import materialize
from gitsync.render.objects import manifests_from_documents
from gitsync.render.options import HelmOptions
from gitsync.render.parse import DocumentParser, ManifestLoader
from gitsync.source.paths import join_path
from gitsync.source.tree import Tree

TIMEOUT = 120.0
MISSING_HELM = (
    "rendering a Helm chart needs Helm: install the optional extra "
    "(pip install 'gitsync[helm]', which embeds Helm) or put a 'helm' binary on PATH"
)


def _sdk() -> Any | None:
    try:
        return importlib.import_module("helm_python")
    except ImportError:
        return None


def helm_available() -> bool:
    return _sdk() is not None or shutil.which("helm") is not None


def render_helm(
    tree: Tree, path: str, options: HelmOptions, parser: DocumentParser
) -> list[Manifest]:
    sdk = _sdk()
    binary = shutil.which("helm")
    if sdk is None and binary is None:
        raise RenderError(f"{path}: {MISSING_HELM}")
    value_docs = _value_files(tree, path, options)
    with tempfile.TemporaryDirectory(prefix="gitsync-helm-") as tmp:
        chart_dir = Path(tmp) / "chart"
        materialize(tree, path, chart_dir)
        chart_dir = chart_dir / path if path else chart_dir
        if sdk is not None:
            outputs = _render_sdk(sdk, chart_dir, path, options, value_docs)
        else:
            assert binary is not None
            outputs = _render_binary(binary, chart_dir, Path(tmp), path, options, value_docs)
    manifests: list[Manifest] = []
    for name, text in outputs:
        documents = list(parser.parse(text.encode("utf-8"), name))
        manifests.extend(manifests_from_documents(documents, name))
    return manifests


def _value_files(tree: Tree, path: str, options: HelmOptions) -> list[tuple[str, bytes]]:
    """(repo path, content) of each value file, resolved against the chart's path."""
    found: list[tuple[str, bytes]] = []
    referenced = dict(options.referenced_files)
    for entry in options.value_files:
        if entry.startswith("$"):
            if entry in referenced:
                found.append((entry, referenced[entry].encode("utf-8")))
            elif not options.ignore_missing_value_files:
                raise RenderError(f"{path}: value file {entry} not found in the source it names")
            continue
        if "://" in entry:
            raise RenderError(f"{path}: remote value file {entry} is not supported")
        # "/x.yaml" is relative to the repository root, anything else to the chart.
        name = join_path("", entry.lstrip("/")) if entry.startswith("/") else join_path(path, entry)
        if not tree.is_file(name):
            if options.ignore_missing_value_files:
                continue
            raise RenderError(f"{path}: value file {entry} not found in the repository")
        found.append((name, tree.read_bytes(name)))
    return found


def merged_values(options: HelmOptions, value_docs: list[tuple[str, bytes]], sdk: Any) -> Any:
    """Value files, then inline values, then valuesObject, then parameters (Argo CD order)."""
    values: dict[str, Any] = {}
    for name, data in value_docs:
        values = _merge(values, _load_values(data, name))
    if options.values:
        values = _merge(values, _load_values(options.values.encode(), "helm.values"))
    if options.values_object:
        values = _merge(values, options.values_object)
    for parameter in options.parameters:
        expression = f"{parameter.name}={parameter.value}"
        try:
            parsed = (
                sdk.parse_set_string_values(expression)
                if parameter.force_string
                else sdk.parse_set_string(expression)
            )
        except sdk.HelmError as err:
            raise RenderError(f"helm parameter {parameter.name}: {_first_line(err)}") from None
        values = _merge(values, parsed)
    return values


def _load_values(data: bytes, name: str) -> dict[str, Any]:
    try:
        loaded = yaml.load(data.decode("utf-8"), Loader=ManifestLoader)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ManifestError(f"invalid YAML: {err.problem}", f"{name}:{line}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ManifestError(f"invalid values: {_first_line(err)}", name) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ManifestError("values must be a mapping", name)
    return loaded


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _render_sdk(
    sdk: Any,
    chart_dir: Path,
    path: str,
    options: HelmOptions,
    value_docs: list[tuple[str, bytes]],
) -> list[tuple[str, str]]:
    values = merged_values(options, value_docs, sdk)
    try:
        with sdk.Chart.load(str(chart_dir)) as chart:
            rendered: dict[str, str] = chart.render(
                values=values,
                name=options.release_name or "release-name",
                namespace=options.namespace or "default",
                is_install=True,
            )
            crds: list[dict[str, str]] = [] if options.skip_crds else chart.crds
    except sdk.HelmError as err:
        raise RenderError(f"helm template {path}: {_first_line(err)}") from None
    outputs = [(_repo_name(path, crd["filename"]), crd["data"]) for crd in crds]
    for name in sorted(rendered):
        if name.endswith("/NOTES.txt"):
            continue
        outputs.append((_repo_name(path, name), rendered[name]))
    return outputs


def _render_binary(
    binary: str,
    chart_dir: Path,
    tmp: Path,
    path: str,
    options: HelmOptions,
    value_docs: list[tuple[str, bytes]],
) -> list[tuple[str, str]]:
    args = [binary, "template", options.release_name or "release-name", str(chart_dir)]
    args += ["--namespace", options.namespace or "default"]
    args.append("--skip-crds" if options.skip_crds else "--include-crds")
    extra = [data for _, data in value_docs]
    if options.values:
        extra.append(options.values.encode())
    if options.values_object:
        extra.append(yaml.safe_dump(options.values_object).encode())
    for number, data in enumerate(extra):
        values_file = tmp / f"values-{number}.yaml"
        values_file.write_bytes(data)
        args += ["--values", str(values_file)]
    for parameter in options.parameters:
        flag = "--set-string" if parameter.force_string else "--set"
        args += [flag, f"{parameter.name}={parameter.value}"]
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"helm template {path}: timed out after {TIMEOUT:.0f}s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"helm template {path}: {message[-1] if message else 'failed'}")
    return _split_by_source(done.stdout.decode("utf-8"), path)


def _split_by_source(stream: str, path: str) -> list[tuple[str, str]]:
    """``helm template`` output cut at ``# Source: <chart>/<file>`` comments."""
    outputs: list[tuple[str, str]] = []
    for document in stream.split("\n---\n"):
        first = document.lstrip("-\n").split("\n", 1)[0]
        name = first.removeprefix("# Source: ") if first.startswith("# Source: ") else "chart"
        outputs.append((_repo_name(path, name), document))
    return outputs


def _repo_name(path: str, chart_file: str) -> str:
    """``demo/templates/cm.yaml`` -> ``<path>/templates/cm.yaml`` (chart name dropped)."""
    inner = chart_file.split("/", 1)[1] if "/" in chart_file else chart_file
    return f"{path}/{inner}" if path else inner


def _first_line(err: BaseException) -> str:
    """Helm's multi-line message folded into one line."""
    text = " ".join(line.strip() for line in str(err).strip().splitlines())
    return text or err.__class__.__name__
