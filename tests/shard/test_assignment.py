"""Apps to shards, and each round's claims, renewals and handovers: the table of
tests/fixtures/shards/decide.yaml."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.shard.assignment import (
    Round,
    decide,
    replica_lease_name,
    shard_index,
    shard_key,
    shard_lease_name,
    shard_of,
    share,
)

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "shards" / "decide.yaml").read_text()
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decide(case: dict[str, Any]) -> None:
    seen = Round(
        identity=case["me"],
        shards=case["shards"],
        replicas=frozenset(case["replicas"]),
        holders={int(k): str(v) for k, v in case["holders"].items()},
        draining=frozenset(case.get("draining", [])),
        busy=frozenset(case.get("busy", [])),
    )
    got = decide(seen)
    expect = case["expect"]
    assert list(got.renew) == expect["renew"]
    assert list(got.drain) == expect["drain"]
    if "claim" in expect:
        assert sorted(got.claim) == expect["claim"]
    else:
        assert len(got.claim) == expect["claim_count"]
    assert not set(got.claim) & set(seen.holders), "claimed a held shard"


def test_the_hash_is_stable_across_processes_and_versions() -> None:
    # sha256 of the key, not Python's salted hash(): these never change.
    assert [shard_of("guestbook", 8), shard_of("guestbook", 3)] == [0, 1]
    assert [shard_of("app-0001", 8), shard_of("app-0001", 3)] == [3, 0]
    assert shard_of("https://kubernetes.default.svc", 8) == 5


def test_apps_spread_evenly_over_shards() -> None:
    counts = Counter(shard_of(f"app-{n:04d}", 6) for n in range(3000))
    assert set(counts) == set(range(6))
    assert max(counts.values()) - min(counts.values()) < 150  # 500 each, give or take


def test_by_cluster_every_app_of_one_destination_shares_a_shard() -> None:
    dest = "https://prod.example.com"
    shards = {shard_of(shard_key(f"app-{n}", dest, "cluster"), 7) for n in range(50)}
    assert len(shards) == 1
    with pytest.raises(ValueError, match="shard_by"):
        shard_key("a", dest, "namespace")


def test_share_and_names() -> None:
    assert share(4, 3) == (1, 2)
    assert share(6, 3) == (2, 2)
    assert share(1, 2) == (0, 1)
    assert share(5, 0) == (5, 5)
    assert shard_lease_name(12) == "gitsync-shard-12"
    assert shard_index("gitsync-shard-12") == 12
    assert [shard_index(n) for n in ("gitsync-shard-", "gitsync-shard-01", "x-1")] == [None] * 3
    assert replica_lease_name("gitsync-0") == "gitsync-replica-gitsync-0"


def test_replicas_converge_to_a_fair_share_whatever_the_order() -> None:
    """Rounds of three replicas in turn, starting from one holding everything, end with
    every shard held once and each replica within its share, with nothing moving."""
    shards, names = 8, ["a", "b", "c"]
    holders: dict[int, str] = {s: "a" for s in range(shards)}
    for _ in range(12):
        for me in names:
            got = decide(Round(me, shards, frozenset(names), dict(holders)))
            for s in got.drain:  # idle: released at once
                holders.pop(s)
            for s in got.claim:
                holders[s] = me
    counts = Counter(holders.values())
    assert len(holders) == shards
    assert sorted(counts.values()) == [2, 3, 3]
    for me in names:
        got = decide(Round(me, shards, frozenset(names), dict(holders)))
        assert not got.claim and not got.drain
