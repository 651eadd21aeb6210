"""Kustomize sources through ``kustomize build`` or ``kubectl kustomize``.

Kustomize needs files on disk and may reach up (``../base``), so the references of every
kustomization involved are followed through the Tree first: each must stay inside the
repository (SourceError otherwise), and the smallest directory covering them all is
copied to a temp dir. Options of ``spec.source.kustomize`` go into a generated overlay
that wraps the app's directory, so the repository's own files are never edited.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from gitsync.errors import GitsyncError, ManifestError, RenderError, SourceError
from gitsync.model import Manifest
from gitsync.render.limits import DEFAULT_LIMITS, Budget, LimitExceeded, Limits
from gitsync.render.materialize import materialize
from gitsync.render.objects import manifests_from_documents
from gitsync.render.options import KustomizeOptions
from gitsync.render.parse import DocumentParser, load_yaml
from gitsync.render.sandbox import Sandbox
from gitsync.source.paths import join_path
from gitsync.source.tree import Tree

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MISSING_KUSTOMIZE = (
    "rendering a kustomization needs 'kustomize' or 'kubectl' (with its built-in kustomize) on PATH"
)
_OVERLAY = "gitsync-overlay"
_KLOG_ERR = re.compile(r'err="(.*)"\s*$')
_LIST_FIELDS = (
    "resources",
    "bases",
    "components",
    "crds",
    "patchesStrategicMerge",
    "transformers",
    "generators",
    "validators",
    "configurations",
)
_PATH_ITEM_FIELDS = ("patches", "patchesJson6902", "replacements")


def kustomization_file(tree: Tree, path: str) -> str | None:
    for name in KUSTOMIZATION_FILES:
        candidate = f"{path}/{name}" if path else name
        if tree.is_file(candidate):
            return candidate
    return None


def kustomize_command() -> list[str] | None:
    if binary := shutil.which("kustomize"):
        return [binary, "build"]
    if binary := shutil.which("kubectl"):
        return [binary, "kustomize"]
    return None


def render_kustomize(
    tree: Tree,
    path: str,
    options: KustomizeOptions,
    parser: DocumentParser,
    sandbox: Sandbox,
    budget: Budget,
) -> list[Manifest]:
    command = kustomize_command()
    if command is None:
        raise RenderError(f"{path}: {MISSING_KUSTOMIZE}")
    root = covering_root(tree, path, parser.limits)
    what = f"kustomize build {path or '.'}"
    with tempfile.TemporaryDirectory(prefix="gitsync-kustomize-") as tmp:
        workdir = Path(tmp) / "tree"
        materialize(tree, root, workdir)
        target = workdir / path if path else workdir
        if _has_options(options):
            target = _write_overlay(Path(tmp), target, options)
        args = ([*command, str(target)], tmp, parser.limits.max_manifest_bytes)
        done = sandbox.run("command", args, what)
        if done["returncode"] != 0:
            message = str(done["stderr"]).replace(str(workdir) + "/", "")
            lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
            raise RenderError(f"kustomize build {path}: {lines[-1] if lines else 'failed'}")
    output = str(done["stdout"]).encode("utf-8")
    documents = list(parser.parse(output, path or ".", budget=budget))
    return manifests_from_documents(documents, path or ".")


def covering_root(tree: Tree, path: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The deepest directory holding `path` and every local file its kustomizations use."""
    paths = set(referenced_paths(tree, path, limits))
    root = path
    for item in paths:
        directory = item if tree.is_dir(item) else posixpath.dirname(item)
        root = _common_dir(root, directory)
    return root


def referenced_paths(tree: Tree, start: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[str]:
    """Every local path the kustomization in `start` (and those it uses) refers to."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        yield directory
        file_name = kustomization_file(tree, directory)
        if file_name is None:
            continue
        for ref in _local_refs(_load(tree, file_name, limits)):
            target = join_path(directory, ref)  # SourceError when it leaves the repository
            yield target
            if tree.is_dir(target):
                pending.append(target)


def _load(tree: Tree, name: str, limits: Limits) -> dict[str, Any]:
    try:
        documents, _ = load_yaml(tree.read_bytes(name), limits)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise ManifestError(f"invalid YAML: {err.problem}", f"{name}:{line}") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise ManifestError("invalid kustomization", name) from None
    except LimitExceeded as err:
        raise err.within(name) from None
    except GitsyncError as err:  # an alias that contains itself
        raise ManifestError(str(err), name) from None
    loaded = documents[0] if documents else None
    return loaded if isinstance(loaded, dict) else {}


def _local_refs(kustomization: dict[str, Any]) -> Iterator[str]:
    for field in _LIST_FIELDS:
        for item in kustomization.get(field) or []:
            if isinstance(item, str):
                yield from _if_local(item)
    for field in _PATH_ITEM_FIELDS:
        for item in kustomization.get(field) or []:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield from _if_local(item["path"])
    for field in ("configMapGenerator", "secretGenerator"):
        for generator in kustomization.get(field) or []:
            if not isinstance(generator, dict):
                continue
            files = list(generator.get("files") or []) + list(generator.get("envs") or [])
            if isinstance(generator.get("env"), str):
                files.append(generator["env"])
            for entry in files:
                if isinstance(entry, str):
                    yield from _if_local(entry.split("=", 1)[-1])
    openapi = kustomization.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield from _if_local(openapi["path"])


def _if_local(ref: str) -> Iterator[str]:
    """`ref` unless it is remote (kustomize fetches those itself, and fails offline)."""
    text = ref.strip()
    if text.lower().removeprefix("git::").startswith("file:"):
        raise SourceError(f"kustomization resource {text}: repositories on local disk are refused")
    if not text or "://" in text or text.startswith(("git@", "github.com/", "gitlab.com/")):
        return
    yield text


def _common_dir(a: str, b: str) -> str:
    parts_a, parts_b = a.split("/") if a else [], b.split("/") if b else []
    common: list[str] = []
    for x, y in zip(parts_a, parts_b, strict=False):
        if x != y:
            break
        common.append(x)
    return "/".join(common)


def _has_options(options: KustomizeOptions) -> bool:
    return options != KustomizeOptions()


def _write_overlay(tmp: Path, target: Path, options: KustomizeOptions) -> Path:
    overlay = tmp / _OVERLAY
    overlay.mkdir()
    spec: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(target, overlay)],  # kustomize refuses absolute ones
    }
    if options.name_prefix:
        spec["namePrefix"] = options.name_prefix
    if options.name_suffix:
        spec["nameSuffix"] = options.name_suffix
    if options.namespace:
        spec["namespace"] = options.namespace
    if options.common_labels:
        spec["commonLabels"] = dict(options.common_labels)
    if options.common_annotations:
        spec["commonAnnotations"] = dict(options.common_annotations)
    if options.images:
        spec["images"] = [_image(image) for image in options.images]
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return overlay


def _image(spec: str) -> dict[str, str]:
    """``[old=]name[:tag|@digest]`` as ``kustomize edit set image`` reads it."""
    name, _, new = spec.partition("=")
    if not new:
        new = name
        name = new.split("@")[0].rsplit(":", 1)[0] if ":" in new.split("/")[-1] else new
    image: dict[str, str] = {"name": name}
    if "@" in new:
        new_name, image["digest"] = new.split("@", 1)
    elif ":" in new.split("/")[-1]:
        new_name, image["newTag"] = new.rsplit(":", 1)
    else:
        new_name = new
    if new_name != name:
        image["newName"] = new_name
    return image
