"""ignoreDifferences jq expressions: real jq (worker process, compiled once) against the
hand-written subset it replaced, over the same Deployments.

    python -m bench.jq_paths [--objects 2000]

The subset is read from the last commit that had it (`SUBSET_COMMIT`); without Git
history its figures are left out. Also shown: jq run in this process (no time bound),
to tell the price of the worker round trip from that of jq itself.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from typing import Any

import jq

from bench.common import ROOT, Results, timer
from gitsync.diff.jqpath import parse_jq_path
from gitsync.diff.paths import evaluate

SUBSET_COMMIT = "0de939f"
# Inside the subset, so both sides can run them.
EXPRESSIONS = (
    ".spec.replicas",
    '.spec.template.spec.containers[] | select(.name == "app") | .image',
    ".metadata.annotations[]",
)


def deployment(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"web-{index}",
            "namespace": "bench",
            "annotations": {"a": "1", "b": "2"},
        },
        "spec": {
            "replicas": 2,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": f"app:{index}", "env": [{"name": "A"}]},
                        {"name": "side", "image": "side:1"},
                    ]
                }
            },
        },
    }


def _subset() -> types.ModuleType | None:
    try:
        text = subprocess.run(
            ["git", "show", f"{SUBSET_COMMIT}:gitsync/diff/jqpath.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("jq_subset")
    exec(compile(text, "jq_subset.py", "exec"), module.__dict__)
    return module


def run(objects: int) -> Results:
    results = Results("jq_paths", {"objects": objects, "expressions": len(EXPRESSIONS)})
    items = [deployment(i) for i in range(objects)]
    evaluations = objects * len(EXPRESSIONS)

    with timer() as compile_real:
        real = [parse_jq_path(e) for e in EXPRESSIONS]
    list(evaluate(items[0], real[0]))  # start the worker outside the timing
    with timer() as real_time:
        real_found = sum(len(list(evaluate(item, p))) for item in items for p in real)
    results.add("compile (real jq, cached after)", compile_real["wall"] * 1e3, "ms")
    per_real = real_time["wall"] / evaluations * 1e6
    results.add("real jq, worker: per evaluation", per_real, "us", "under 1 ms")

    programs = [jq.compile(f"[path({e})]") for e in EXPRESSIONS]
    with timer() as inproc:
        inproc_found = sum(len(p.input_value(item).first()) for item in items for p in programs)
    results.add("real jq, in process: per evaluation", inproc["wall"] / evaluations * 1e6, "us")

    subset = _subset()
    if subset is not None:
        patterns = [subset.parse_jq_path(e) for e in EXPRESSIONS]
        with timer() as subset_time:
            subset_found = sum(len(list(evaluate(item, p))) for item in items for p in patterns)
        per_subset = subset_time["wall"] / evaluations * 1e6
        results.add("old subset: per evaluation", per_subset, "us")
        results.add("real jq (worker) / old subset", per_real / per_subset, "x")
        if subset_found != real_found:
            results.add("MISMATCH paths subset vs jq", f"{subset_found} != {real_found}")
    if inproc_found != real_found:
        results.add("MISMATCH paths in-process vs worker", f"{inproc_found} != {real_found}")
    results.add("paths found", real_found)
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    args = parser.parse_args(argv)
    results = run(args.objects)
    results.report()
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
