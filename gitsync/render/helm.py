"""Helm charts: through the embedded Helm of `helm-python-sdk` (``gitsync[helm]``), else a
``helm`` binary on PATH (``helm template``). Both render offline from a temp copy of the
chart's subtree; NOTES.txt and partials are left out, ``crds/`` is included unless skipped.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import GitsyncError, ManifestError, RenderError
from gitsync.model import Manifest
from gitsync.render.limits import Budget, LimitExceeded, Limits
from gitsync.render.materialize import materialize
from gitsync.render.objects import manifests_from_documents
from gitsync.render.options import HelmOptions
from gitsync.render.parse import DocumentParser, load_yaml
from gitsync.render.sandbox import Sandbox, TaskFailed
from gitsync.source.paths import join_path
from gitsync.source.tree import Tree

MISSING_HELM = (
    "rendering a Helm chart needs Helm: install the optional extra "
    "(pip install 'gitsync[helm]', which embeds Helm) or put a 'helm' binary on PATH"
)


def _sdk() -> bool:
    """Whether the embedded Helm is installed; it is loaded only in render children."""
    return importlib.util.find_spec("helm_python") is not None


def helm_available() -> bool:
    return _sdk() or shutil.which("helm") is not None


def render_helm(
    tree: Tree,
    path: str,
    options: HelmOptions,
    parser: DocumentParser,
    sandbox: Sandbox,
    budget: Budget,
) -> list[Manifest]:
    """Rendered in a bounded child process (`Sandbox`); value files are parsed here,
    within the parser's limits, before the child starts."""
    sdk = _sdk()
    binary = shutil.which("helm")
    if not sdk and binary is None:
        raise RenderError(f"{path}: {MISSING_HELM}")
    value_docs = _value_files(tree, path, options)
    limits = parser.limits
    with tempfile.TemporaryDirectory(prefix="gitsync-helm-") as tmp:
        chart_dir = Path(tmp) / "chart"
        materialize(tree, path, chart_dir)
        chart_dir = chart_dir / path if path else chart_dir
        try:
            if sdk:
                values = merged_values(options, value_docs, limits)
                outputs = _render_sdk(sandbox, chart_dir, path, options, values)
            else:
                assert binary is not None
                outputs = _render_binary(
                    sandbox, binary, chart_dir, Path(tmp), path, options, value_docs
                )
        except TaskFailed as err:
            raise RenderError(f"helm template {path}: {err}") from None
    manifests: list[Manifest] = []
    for name, text in outputs:
        documents = list(parser.parse(text.encode("utf-8"), name, budget=budget))
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


def merged_values(
    options: HelmOptions, value_docs: list[tuple[str, bytes]], limits: Limits
) -> dict[str, Any]:
    """Value files, then inline values, then valuesObject (Argo CD order); parameters
    come last, in the child, where Helm's own parser reads them."""
    values: dict[str, Any] = {}
    for name, data in value_docs:
        values = _merge(values, _load_values(data, name, limits))
    if options.values:
        values = _merge(values, _load_values(options.values.encode(), "helm.values", limits))
    if options.values_object:
        values = _merge(values, options.values_object)
    return values


def _load_values(data: bytes, name: str, limits: Limits) -> dict[str, Any]:
    try:
        documents, _ = load_yaml(data, limits)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ManifestError(f"invalid YAML: {err.problem}", f"{name}:{line}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ManifestError(f"invalid values: {_first_line(err)}", name) from None
    except LimitExceeded as err:
        raise err.within(name) from None
    except GitsyncError as err:  # an alias that contains itself
        raise ManifestError(str(err), name) from None
    loaded = documents[0] if documents else None
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
    sandbox: Sandbox, chart_dir: Path, path: str, options: HelmOptions, values: dict[str, Any]
) -> list[tuple[str, str]]:
    parameters = [(p.name, p.value, p.force_string) for p in options.parameters]
    args = (
        str(chart_dir),
        values,
        parameters,
        options.release_name or "release-name",
        options.namespace or "default",
        options.skip_crds,
        sandbox.limits.max_manifest_bytes,
    )
    done = sandbox.run("helm", args, f"helm template {path or '.'}")
    outputs = [(_repo_name(path, name), data) for name, data in done["crds"]]
    rendered: dict[str, str] = done["templates"]
    for name in sorted(rendered):
        if name.endswith("/NOTES.txt"):
            continue
        outputs.append((_repo_name(path, name), rendered[name]))
    return outputs


def _render_binary(
    sandbox: Sandbox,
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
    what = f"helm template {path or '.'}"
    limit = sandbox.limits.max_manifest_bytes
    done = sandbox.run("command", (args, str(tmp), limit), what)
    if done["returncode"] != 0:
        message = str(done["stderr"]).strip().splitlines()
        raise RenderError(f"{what}: {message[-1] if message else 'failed'}")
    return _split_by_source(str(done["stdout"]), path)


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
