"""A no-change poll of a repository of N apps: how many Git round trips and how long,
against one plain ``git ls-remote`` subprocess.

    python -m bench.poll [--apps 1000] [--per-app 20] [--polls 20]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Results, make_repo, median, timer
from gitsync.render import Renderer
from gitsync.source import RepoCache


def round_trips(cache: RepoCache) -> int:
    stats = cache.stats
    return stats.ls_remote + stats.fetch + stats.clone


def run(apps: int, per_app: int, polls: int, work: Path) -> Results:
    results = Results("poll", {"apps": apps, "per_app": per_app, "polls": polls})
    repo = work / "repo"
    paths = make_repo(repo, apps, per_app)
    url = repo.as_uri()
    cache = RepoCache(work / "cache")
    renderer = Renderer(cache_size=apps + 16, parse_cache_size=apps * per_app + 16)

    # The first poll clones and renders everything; later polls find nothing new.
    with timer() as first:
        sha = cache.resolve(url, "HEAD")
        tree = cache.tree(url, sha)
        for path in paths:
            renderer.render(tree, path)
    before = round_trips(cache)
    poll_times: list[float] = []
    for _ in range(polls):
        started = time.perf_counter()
        again = cache.resolve(url, "HEAD")
        assert again == sha
        unchanged = cache.tree(url, again)
        for path in paths:
            renderer.render(unchanged, path)
        poll_times.append(time.perf_counter() - started)
    trips = (round_trips(cache) - before) / polls
    cache.close()

    plain: list[float] = []
    for _ in range(polls):
        started = time.perf_counter()
        subprocess.run(["git", "ls-remote", url], capture_output=True, check=True, timeout=60)
        plain.append(time.perf_counter() - started)

    results.add("first poll (clone + render all)", first["wall"], "s")
    results.add("no-change poll, median", median(poll_times) * 1e3, "ms")
    results.add("Git round trips per no-change poll", trips, "", "1")
    results.add("git ls-remote subprocess, median", median(plain) * 1e3, "ms")
    results.add("poll / ls-remote", median(poll_times) / max(median(plain), 1e-9), "x")
    return results


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--per-app", type=int, default=20)
    parser.add_argument("--polls", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.apps, args.per_app, args.polls, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
