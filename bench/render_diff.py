"""Cold render + diff of N apps x M manifests from a real Git repository, against parsing
the same bytes with PyYAML's C loader (the floor any YAML-reading tool pays).

    python -m bench.render_diff [--apps 1000] [--per-app 20]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench.common import Results, make_repo, timer
from gitsync.diff import diff_objects
from gitsync.model import ResourceKey
from gitsync.model.enums import SyncStatus
from gitsync.render import Renderer
from gitsync.source import RepoCache


def live_copy(obj: dict[str, Any], number: int) -> dict[str, Any]:
    """What the API server would return for `obj`: server metadata and status added."""
    live = copy.deepcopy(obj)
    meta = live["metadata"]
    meta["uid"] = f"00000000-0000-0000-0000-{number:012d}"
    meta["resourceVersion"] = str(1000 + number)
    meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
    meta["generation"] = 1
    meta["managedFields"] = [
        {"manager": "gitsync", "operation": "Apply", "apiVersion": obj["apiVersion"]}
    ]
    if obj["kind"] == "Deployment":
        live["status"] = {"replicas": 2, "readyReplicas": 2, "observedGeneration": 1}
    return live


def run(apps: int, per_app: int, work: Path) -> Results:
    results = Results("render_diff", {"apps": apps, "per_app": per_app})
    repo = work / "repo"
    paths = make_repo(repo, apps, per_app)
    url = repo.as_uri()

    # The peer: the same bytes through yaml.load_all with the C loader.
    blobs = [file.read_bytes() for path in paths for file in sorted((repo / path).iterdir())]
    with timer() as peer:
        parsed = 0
        for blob in blobs:
            parsed += sum(1 for _ in yaml.load_all(blob, Loader=yaml.CSafeLoader))

    cache = RepoCache(work / "cache")
    renderer = Renderer(cache_size=apps + 16, parse_cache_size=apps * per_app + 16)
    with timer() as fetch:
        sha = cache.resolve(url, "HEAD")
        tree = cache.tree(url, sha)
    with timer() as render:
        rendered = [renderer.render(tree, path) for path in paths]
    objects = [manifest.obj for manifests in rendered for manifest in manifests]
    lives = [live_copy(obj, number) for number, obj in enumerate(objects)]  # not timed
    with timer() as diff:
        synced = 0
        for obj, live in zip(objects, lives, strict=True):
            if diff_objects(obj, live, ResourceKey.of(obj)).status is SyncStatus.SYNCED:
                synced += 1
    cache.close()

    total = render["wall"] + diff["wall"]
    results.add("objects", len(objects))
    results.add("git clone + resolve + tree", fetch["wall"], "s")
    results.add("render (ls-tree, cat-file, parse)", render["wall"], "s")
    results.add("diff (normalize + diff_objects)", diff["wall"], "s")
    results.add("gitsync render + diff", total, "s")
    results.add("per object", total / max(len(objects), 1) * 1e6, "us")
    results.add("objects Synced", synced)
    results.add("PyYAML CSafeLoader, same bytes", peer["wall"], "s")
    results.add("documents parsed by PyYAML", parsed)
    results.add("ratio render+diff / CSafeLoader", total / max(peer["wall"], 1e-9), "x", "<= 2x")
    # CPU seconds of this process move less than wall time on a shared machine; they leave
    # out the `git cat-file` subprocess, so they are a cross-check, not the result.
    cpu = render["cpu"] + diff["cpu"]
    results.add("render + diff CPU (this process)", cpu, "s")
    results.add("PyYAML CSafeLoader CPU", peer["cpu"], "s")
    results.add("CPU ratio", cpu / max(peer["cpu"], 1e-9), "x")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--per-app", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.apps, args.per_app, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
