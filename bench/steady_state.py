"""Steady state: K apps of M resources synced, then one pass over every app with nothing
changed (render from cache, diff against a watch-fed LiveCache). The pass should make no
API request at all.

    python -m bench.steady_state [--apps 100] [--per-app 20] [--workers 4]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import Results, make_repo, peak_rss_mib, timer
from gitsync.diff.live import PRUNE_CANDIDATE_KINDS, LiveDiffer
from gitsync.kube import Cluster, LiveCache
from gitsync.model import ResourceKey
from gitsync.model.annotations import TRACKING_LABEL
from gitsync.model.enums import OperationPhase
from gitsync.model.keys import split_api_version
from gitsync.render import Renderer
from gitsync.sim import SimCluster
from gitsync.source import RepoCache
from gitsync.sync.kubeport import KubePort
from gitsync.sync.runner import SyncRequest, SyncRunner
from gitsync.sync.settings import SyncSettings
from gitsync.sync.store import OperationStore

NAMESPACE = "bench"


class CachedReads:
    """The differ's view of the cluster: reads from the LiveCache, dry-runs to the server.

    Tracked objects are indexed by app once per pass, so finding an app's leftovers costs
    a dictionary lookup instead of a scan of every live object."""

    def __init__(self, cache: LiveCache, cluster: Cluster) -> None:
        self.cache = cache
        self.cluster = cluster
        self.by_app: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for info in cache.tracked():
            for obj in cache.objects_of(info.group, info.kind):
                app = ((obj.get("metadata") or {}).get("labels") or {}).get(TRACKING_LABEL)
                if app:
                    self.by_app[(app, info.group, info.kind)].append(obj)

    def apply(
        self, obj: dict[str, Any], *, dry_run: bool = False, field_manager: str = "gitsync"
    ) -> dict[str, Any]:
        return self.cluster.apply(obj, dry_run=dry_run, field_manager=field_manager)

    def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        group, _ = split_api_version(api_version)
        return self.cache.get(ResourceKey(group, kind, namespace or "", name))

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        group, _ = split_api_version(api_version)
        app = (label_selector or "").removeprefix(f"{TRACKING_LABEL}=")
        return [dict(obj) for obj in self.by_app.get((app, group, kind), [])]


def sync_all(
    port: KubePort,
    repo: RepoCache,
    renderer: Renderer,
    url: str,
    paths: Iterable[str],
    workers: int,
) -> int:
    sha = repo.resolve(url, "HEAD")
    tree = repo.tree(url, sha)
    runner = SyncRunner(port, OperationStore(port), poll_interval=0.02)

    def sync(path: str) -> bool:
        request = SyncRequest(
            app=path.rsplit("/", 1)[-1],
            manifests=renderer.render(tree, path),
            revision=sha,
            dest_namespace=NAMESPACE,
            settings=SyncSettings(wave_delay=0.0),
        )
        state = runner.run(request, timeout=600)
        return state.phase is OperationPhase.SUCCEEDED

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(sync, paths))


def run(apps: int, per_app: int, workers: int, work: Path) -> Results:
    results = Results("steady_state", {"apps": apps, "per_app": per_app, "workers": workers})
    paths = make_repo(work / "repo", apps, per_app, workloads=False)
    url = (work / "repo").as_uri()
    repo = RepoCache(work / "cache")
    renderer = Renderer(cache_size=apps + 16, parse_cache_size=apps * per_app + 16)
    with SimCluster() as sim:
        sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        cluster = Cluster.from_kubeconfig(str(sim.kubeconfig), qps=1000, burst=2000)
        with timer() as initial:
            succeeded = sync_all(KubePort(cluster), repo, renderer, url, paths, workers)
        results.add("apps synced (Succeeded)", succeeded, "", str(apps))
        results.add("objects", apps * per_app)
        results.add("initial sync of all apps, wall", initial["wall"], "s")
        results.add("initial sync API requests", sim.request_count)

        cache = LiveCache(cluster)
        kinds = {("v1", "ConfigMap"), ("v1", "Service"), ("v1", "ServiceAccount")}
        cache.ensure_kinds(sorted(kinds | set(PRUNE_CANDIDATE_KINDS)))
        cache.wait_synced(60)
        differ = LiveDiffer(CachedReads(cache, cluster))
        # One warm pass fills the diff cache, as the controller's first reconcile would.
        diff_pass(repo, renderer, differ, url, paths)

        sim.reset_requests()
        client_before = cluster.stats.total
        trips_before = round_trips(repo)
        with timer() as steady:
            differ.cluster = CachedReads(cache, cluster)
            synced, out_of_sync = diff_pass(repo, renderer, differ, url, paths)
        git_trips = round_trips(repo) - trips_before
        api = cluster.stats.total - client_before
        results.add("no-change pass, wall", steady["wall"], "s")
        results.add("no-change pass, CPU", steady["cpu"], "s")
        results.add("no-change pass, per app", steady["wall"] / max(apps, 1) * 1e3, "ms")
        results.add("apps Synced / OutOfSync", f"{synced} / {out_of_sync}")
        results.add("API requests in the pass (client)", api, "", "0")
        # The cache's watch streams may be logged once they are answered, which can fall
        # inside the pass; they were opened for the cache, not by the pass.
        logged = [r for r in sim.requests if r.verb != "watch"]
        results.add("API requests in the pass (server log)", len(logged), "", "0")
        results.add("Git round trips in the pass", git_trips, "", "1")
        results.add("peak RSS (process incl. emulator)", peak_rss_mib(), "MiB")
        cache.stop()
        cluster.close()
    repo.close()
    return results


def round_trips(repo: RepoCache) -> int:
    return repo.stats.ls_remote + repo.stats.fetch + repo.stats.clone


def diff_pass(
    repo: RepoCache, renderer: Renderer, differ: LiveDiffer, url: str, paths: list[str]
) -> tuple[int, int]:
    sha = repo.resolve(url, "HEAD")
    tree = repo.tree(url, sha)
    synced = out_of_sync = 0
    for path in paths:
        desired = [manifest.obj for manifest in renderer.render(tree, path)]
        result = differ.diff_app(path.rsplit("/", 1)[-1], desired)
        if result.in_sync:
            synced += 1
        else:
            out_of_sync += 1
    return synced, out_of_sync


def main(argv: list[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--per-app", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gitsync-bench-") as tmp:
        results = run(args.apps, args.per_app, args.workers, Path(tmp))
    results.report()
    return results


if __name__ == "__main__":
    main()
