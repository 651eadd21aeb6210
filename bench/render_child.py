"""What rendering in a bounded child process costs: wall and CPU per render of a tiny
Jsonnet file and a tiny Helm chart (nothing cached: a local directory), beside a bare
Python start-up, the floor of any fresh child.

    python -m bench.render_child [--renders 20]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Results, median
from gitsync.render import Renderer, helm_available
from gitsync.source import LocalTree

FILES = {
    "jsonnet/cm.jsonnet": '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "j"}}\n',
    "helm/Chart.yaml": "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    "helm/templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    ),
}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(call: object, renders: int) -> tuple[float, float]:
    """(median wall, mean CPU incl. children) in milliseconds."""
    walls: list[float] = []
    cpu = _cpu()
    for _ in range(renders):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        walls.append(time.perf_counter() - started)
    return median(walls) * 1000, (_cpu() - cpu) / renders * 1000


def run(renders: int, work: Path) -> Results:
    results = Results("render_child", {"renders": renders})
    for name, text in FILES.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    tree = LocalTree(work)
    renderer = Renderer()
    cases = [("jsonnet", "Jsonnet")] + ([("helm", "Helm (embedded)")] if helm_available() else [])
    for path, label in cases:
        renderer.render(tree, path)  # the first one warms the parent's imports
        wall, cpu = _measure(lambda p=path: renderer.render(tree, p), renders)
        results.add(f"{label}: wall per render (median)", wall, "ms")
        results.add(f"{label}: CPU per render, child included", cpu, "ms")
    bare = [sys.executable, "-P", "-c", "pass"]
    wall, cpu = _measure(lambda: subprocess.run(bare, check=True), renders)
    results.add("bare python start-up: wall (median)", wall, "ms")
    results.add("bare python start-up: CPU", cpu, "ms")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.renders, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
