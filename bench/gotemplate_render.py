"""goTemplate expansion speed: the ApplicationSet fixtures that use goTemplate and a
synthetic list of N apps, cold (templates parsed) and warm (parse cache filled).

``--peer DIR`` runs the same workload on another checkout (e.g. the commit before the
interpreter: ``git worktree add /tmp/old <commit>``) and prints its figures beside.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import ROOT, Results

WORKLOAD = Path(__file__).resolve().parent / "gotemplate_workload.py"


def _workload(apps: int, rounds: int, pythonpath: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    out = subprocess.run(
        [sys.executable, str(WORKLOAD), "--apps", str(apps), "--rounds", str(rounds)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=str(pythonpath),
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def run(apps: int, rounds: int, peer: Path | None = None) -> Results:
    results = Results("gotemplate_render", {"apps": apps, "rounds": rounds, "peer": str(peer)})
    mine = _workload(apps, rounds, ROOT)
    theirs = _workload(apps, rounds, peer) if peer else {}
    for case, figures in mine.items():
        if "error" in figures:
            results.add(f"{case}: error", figures["error"])
            continue
        per_app_ms = figures["warm_s"] * 1000 / max(figures["apps"], 1)
        goal = "under 1 ms per app" if case.startswith("synthetic") else ""
        results.add(f"{case}: apps", figures["apps"])
        results.add(f"{case}: cold", figures["cold_s"] * 1000, "ms")
        results.add(f"{case}: warm", figures["warm_s"] * 1000, "ms")
        results.add(f"{case}: warm per app", per_app_ms, "ms", goal)
        peer_figures = theirs.get(case)
        if peer_figures and "error" not in peer_figures:
            results.add(f"{case}: peer cold", peer_figures["cold_s"] * 1000, "ms")
            results.add(f"{case}: peer warm", peer_figures["warm_s"] * 1000, "ms")
        elif peer_figures:
            results.add(f"{case}: peer", "fails: " + peer_figures["error"][:60])
    return results


def main(argv: list[str]) -> Results:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peer", type=Path, default=None, help="another checkout to compare")
    args = parser.parse_args(argv)
    results = run(args.apps, args.rounds, args.peer)
    results.report()
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
