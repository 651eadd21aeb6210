"""Three `gitsync serve --shards` replicas, 24 apps, one Git repo, two emulated clusters.

Every app is owned by exactly one replica; a replica killed with SIGKILL loses its shards
to the others within a Lease duration; a replica paused with SIGSTOP past its Lease and
resumed writes nothing (read from the emulators' request logs, where each request names
its replica in the User-Agent) until it has claimed a shard again.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsync.shard.leaseview import LEASE_API
from gitsync.sim import SimCluster
from gitsync.sim.records import RequestRecord
from tests.controller.harness import Env, appset, configmap, push_payload, wait_for
from tests.gitrepo import GitRepo

SHARDS = 6
LEASE = 3.0  # seconds: short, so that failover is quick
POLL = 1.0
DIRS = [f"a{n:02d}" for n in range(12)]
APPS = {f"{d}-c{c}" for d in DIRS for c in (1, 2)}  # 24: every directory on both clusters


def _files(value: str) -> dict[str, str]:
    return {f"apps/{d}/cm.yaml": configmap("settings", f"{d}-{value}") for d in DIRS}


@dataclass
class Fleet:
    sims: list[SimCluster]
    repo: GitRepo
    replicas: dict[str, Env]

    def any(self) -> Env:
        return next(e for e in self.replicas.values() if e.proc and e.proc.poll() is None)

    def live(self, value: str, revision: str) -> bool:
        """Every app Synced at `revision`, and its ConfigMap holding `value` live."""
        apps = self.any().apps()
        if set(apps) != APPS or any(
            a["sync_status"] != "Synced" or a["revision"] != revision for a in apps.values()
        ):
            return False
        for sim in self.sims:
            for d in DIRS:
                found = sim.get_object("v1", "ConfigMap", d, "settings")
                if found is None or found["data"]["v"] != f"{d}-{value}":
                    return False
        return True

    def owners(self, env: Env) -> dict[str, str]:
        return {name: app["controller"] for name, app in env.apps().items()}


def _metric(env: Env, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", env.metrics(), re.MULTILINE)
    return float(match.group(1)) if match else -1.0


@contextmanager
def fleet(tmp: Path, names: list[str], extra: list[str] | None = None) -> Iterator[Fleet]:
    with ExitStack() as stack:
        sims = [
            stack.enter_context(SimCluster(controllers=True, ready_delay=0.0, port=0))
            for _ in range(2)
        ]
        repo = GitRepo.create(tmp / "repo", files={"README.md": "x\n"})
        repo.commit(files={"root/appset.yaml": appset(repo.url), **_files("one")})
        replicas: dict[str, Env] = {}
        for name in names:
            (tmp / name).mkdir()
            args = ["--shards", str(SHARDS), "--identity", name, "--lease-duration", f"{LEASE:g}s"]
            env = Env(tmp / name, sims, repo, extra_args=[*args, *(extra or [])])
            replicas[name] = env
            stack.callback(_stop, env)
        for env in replicas.values():
            env.start(wait_ready=False)
        for env in replicas.values():
            wait_for(env.ready, timeout=60, what="replica ready")
        try:
            yield Fleet(sims, repo, replicas)
        except BaseException:
            for name, env in replicas.items():
                print(f"--- {name}\n{env.logs()[-4000:]}")
            raise


def _stop(env: Env) -> None:
    if env.proc is not None and env.proc.poll() is None:
        env.proc.send_signal(signal.SIGCONT)  # a stopped process takes no SIGTERM
        env.stop()


def _shards_held_by(sim: SimCluster, identity: str) -> set[str]:
    """The shard Leases `identity` holds now, as stored."""
    return {
        lease["metadata"]["name"]
        for lease in sim.list_objects(LEASE_API, "Lease", "gitsync")
        if lease["metadata"]["name"].startswith("gitsync-shard-")
        and lease["spec"].get("holderIdentity") == identity
    }


def _claims_after(
    sim: SimCluster, leases: set[str], since: float, dead: str
) -> dict[str, float] | None:
    """When each of `leases` was first written successfully by another replica than `dead`
    after `since` (a claim: the dead one's renewals stopped); None until all were."""
    first: dict[str, float] = {}
    for r in sim.requests:
        if (
            r.kind == "Lease"
            and r.name in leases
            and r.is_write
            and r.status < 300
            and r.time >= since
            and f"({dead})" not in r.user_agent
        ):
            first.setdefault(r.name, r.time)
    return first if set(first) == leases else None


def _writes_by(sims: list[SimCluster], identity: str, since: float) -> list[RequestRecord]:
    return [
        r
        for sim in sims
        for r in sim.requests
        if r.is_write and f"({identity})" in r.user_agent and r.time >= since
    ]


def test_apps_spread_over_replicas_survive_a_kill_and_a_pause(tmp_path: Path) -> None:
    with fleet(tmp_path, ["r1", "r2", "r3"]) as f:
        head = f.repo.head
        wait_for(lambda: f.live("one", head), timeout=90, what="all apps synced")

        # Every app has exactly one owner, the same seen from every replica, and every
        # replica holds its share of the shards.
        def balanced() -> dict[str, str] | None:
            views = [f.owners(env) for env in f.replicas.values()]
            held = [_metric(env, "gitsync_shards_held") for env in f.replicas.values()]
            ok = all(v == views[0] for v in views) and held == [2.0, 2.0, 2.0]
            return views[0] if ok and set(views[0].values()) == {"r1", "r2", "r3"} else None

        owners = wait_for(balanced, timeout=60, what="every replica holding two shards")
        assert set(owners) == APPS
        owned = [_metric(env, "gitsync_apps_owned") for env in f.replicas.values()]
        assert sum(owned) == len(APPS)
        shards = {a["shard"] for a in f.any().apps().values()}
        assert shards <= set(range(SHARDS))

        # kill -9 one replica, then commit. The acceptance bound (the Lease duration plus
        # one poll) holds for the survivors' claims of the dead replica's shards, read from
        # the emulator's request log; the commit then goes live on every app within a
        # looser deadline, as load slows the sync itself.
        orphaned = _shards_held_by(f.sims[0], "r3")
        assert len(orphaned) == 2, orphaned
        killed = time.monotonic()
        f.replicas["r3"].stop(signal.SIGKILL)
        head = f.repo.commit(files=_files("two"))
        claimed = wait_for(
            lambda: _claims_after(f.sims[0], orphaned, killed, "r3"),
            timeout=LEASE * 4 + 30,
            what="r3's shards claimed by the others",
        )
        taken_over = max(claimed.values()) - killed
        wait_for(lambda: f.live("two", head), timeout=LEASE + POLL + 45, what="live after kill")
        live = time.monotonic() - killed
        print(
            f"kill -9: r3's shards claimed {taken_over:.2f}s after, every app live "
            f"{live:.2f}s after (Lease {LEASE:g}s, poll {POLL:g}s)"
        )
        assert taken_over <= LEASE + POLL, f"shards claimed {taken_over:.2f}s after the kill"
        # each replica sees holders as of its last look at the Leases (a renewal ago)
        wait_for(
            lambda: set(f.owners(f.replicas["r1"]).values()) == {"r1", "r2"},
            timeout=LEASE * 2 + 10,
            what="r3's shards held by r1 and r2",
        )

        # SIGSTOP r2 past its Lease: r1 takes every shard, a commit goes live through r1
        paused = f.replicas["r2"]
        assert paused.proc is not None
        paused.proc.send_signal(signal.SIGSTOP)
        r1 = f.replicas["r1"]
        wait_for(
            lambda: _metric(r1, "gitsync_shards_held") == SHARDS,
            timeout=LEASE * 3 + 30,
            what="r1 holding every shard",
        )
        head = f.repo.commit(files=_files("three"))
        wait_for(lambda: f.live("three", head), timeout=60, what="live while r2 is paused")
        resumed = time.monotonic()
        paused.proc.send_signal(signal.SIGCONT)
        # r2 finds its Leases stale, lets them go, and gets its share back by handover
        wait_for(
            lambda: _metric(paused, "gitsync_shards_held") >= 1,
            timeout=LEASE * 4 + 30,
            what="r2 holding a shard again",
        )
        writes = _writes_by(f.sims, "r2", resumed)
        claims = [
            r
            for r in writes
            if r.kind == "Lease" and (r.name or "").startswith("gitsync-shard-") and r.status < 300
        ]
        assert claims, "r2 claimed no shard after it resumed"
        reclaimed = min(r.time for r in claims)
        early = [r for r in writes if r.kind != "Lease" and r.time < reclaimed]
        assert not early, f"r2 wrote before claiming a shard again: {[r.key for r in early]}"
        # and nothing it wrote since belongs to an app whose shard it does not hold now
        wait_for(lambda: f.live("three", head), timeout=30, what="still live")


def test_a_webhook_to_any_replica_refreshes_apps_owned_by_others(tmp_path: Path) -> None:
    # A poll interval of an hour: only the forwarded refreshes make the commit go live.
    with fleet(tmp_path, ["w1", "w2"], extra=["--poll-interval", "1h"]) as f:
        head = f.repo.head
        wait_for(lambda: f.live("one", head), timeout=90, what="all apps synced")
        # a replica that started late gets its share by handover
        wait_for(
            lambda: (
                [_metric(env, "gitsync_shards_held") for env in f.replicas.values()] == [3.0, 3.0]
                and set(f.owners(f.replicas["w1"]).values()) == {"w1", "w2"}
            ),
            timeout=60,
            what="each replica holding three shards",
        )
        before = f.repo.head
        head = f.repo.commit(files=_files("two"))
        changed = [f"apps/{d}/cm.yaml" for d in DIRS]
        status = f.replicas["w1"].webhook(push_payload(f.repo.url, before, head, changed))
        assert status == 202
        wait_for(lambda: f.live("two", head), timeout=60, what="live after one webhook")
        apps: dict[str, Any] = f.replicas["w2"].apps()
        assert {a["controller"] for a in apps.values()} == {"w1", "w2"}

        # An API action on an app owned elsewhere is carried out by its owner.
        name = min(n for n, a in apps.items() if a["controller"] == "w2")
        synced = f.replicas["w1"].cli("app", "sync", name, check=False)
        assert synced.returncode == 0, synced.stderr

        def manual_sync_recorded() -> bool:
            history = f.replicas["w1"].apps()[name]["history"]
            return any(not entry["automated"] for entry in history)

        wait_for(manual_sync_recorded, timeout=60, what="the owner ran the forwarded sync")

        # A selective sync is checked where it arrives and reaches the owner with its
        # resources; one naming something that is not the app's is refused there.
        resource = apps[name]["resources"][0]
        ref = f"{resource['kind']}/{resource['namespace']}/{resource['name']}"
        selective = f.replicas["w1"].cli("app", "sync", name, "--resource", ref, check=False)
        assert selective.returncode == 0, selective.stderr
        refused = f.replicas["w1"].cli(
            "app", "sync", name, "--resource", f"{resource['kind']}/nowhere/nothing", check=False
        )
        assert refused.returncode == 2 and "HTTP 400" in refused.stderr, refused.stderr

        def selective_sync_recorded() -> bool:
            history = f.replicas["w1"].apps()[name]["history"]
            return any(entry["resources"] == [ref] for entry in history)

        wait_for(selective_sync_recorded, timeout=60, what="the owner ran the selective sync")

        # The diff is known to the owner only: another replica refuses, naming it, rather
        # than answering an empty diff that reads as "in sync".
        elsewhere = f.replicas["w1"].cli("app", "diff", name, check=False)
        assert elsewhere.returncode == 2 and "w2" in elsewhere.stderr, elsewhere.stderr
        at_owner = f.replicas["w2"].cli("app", "diff", name, check=False)
        assert at_owner.returncode == 0, at_owner.stderr
