"""Run every benchmark with its default sizes (``make bench``); results go to
bench/results/<name>.json. Run it on a quiet machine: the figures are wall-clock times."""

from __future__ import annotations

import sys

from bench import (
    health,
    jq_paths,
    poll,
    preflight,
    render_child,
    render_diff,
    slow_clients,
    steady_state,
    sync_one_app,
    webhook_latency,
)
from bench.common import Results

BENCHMARKS = (
    render_diff,
    render_child,
    poll,
    sync_one_app,
    steady_state,
    webhook_latency,
    jq_paths,
    health,
    slow_clients,
    preflight,
)


def main(argv: list[str] | None = None) -> list[Results]:
    if argv:
        print("run_all takes no arguments; run `python -m bench.<name> --help` for sizes")
        sys.exit(2)
    return [benchmark.main([]) for benchmark in BENCHMARKS]


if __name__ == "__main__":
    main(sys.argv[1:])
