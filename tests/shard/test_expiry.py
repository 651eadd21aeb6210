"""Observed expiry and when to look at the Leases again: the table of
tests/fixtures/shards/expiry.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.shard.expiry import Observer, next_look

TABLE = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "shards" / "expiry.yaml").read_text()
)
CASES, LOOKS = TABLE["cases"], TABLE["looks"]


def _lease(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"holderIdentity": fields.get("holder") or None}
    if "seconds" in fields:
        spec["leaseDurationSeconds"] = fields["seconds"]
    return {"metadata": {"name": name, "resourceVersion": fields["version"]}, "spec": spec}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_observed_expiry(case: dict[str, Any]) -> None:
    observer = Observer(case.get("default_seconds", 3))
    last: dict[str, dict[str, Any]] = {}  # each Lease as last listed or watched
    for step in case["steps"]:
        now = step["at"]
        look = None
        if "list" in step:
            leases = {name: _lease(name, fields) for name, fields in step["list"].items()}
            observer.observe(leases, now)
            last = dict(leases)
        if "event" in step:
            event = dict(step["event"])
            kind, name = event.pop("type"), event.pop("name")
            lease = _lease(name, event)
            look = observer.observe_event(kind, lease, now)
            last[name] = lease
        expect = step.get("expect", {})
        for name, holder in expect.get("live", {}).items():
            assert observer.live_holder(name, last[name], now) == holder, (now, name)
        if "next_expiry" in expect:
            after, expiry = expect["next_expiry"]
            assert observer.next_expiry(after) == (
                None if expiry is None else pytest.approx(expiry)
            )
        if "look" in expect:
            assert look is expect["look"]


@pytest.mark.parametrize("case", LOOKS, ids=[c["name"] for c in LOOKS])
def test_next_look(case: dict[str, Any]) -> None:
    assert next_look(**case["given"]) == case["due"]
