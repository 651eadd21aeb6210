"""The start policy: the table of tests/fixtures/startpolicy/cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitsync.controller.ordering import Gate
from gitsync.controller.progressive import StepStatus
from gitsync.controller.projects import WindowWait
from gitsync.controller.requests import SyncAsk
from gitsync.controller.startpolicy import Hold, RollingFacts, Start, StartFacts, decide
from gitsync.model import AutomatedSync

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "startpolicy" / "cases.yaml").read_text()
)["cases"]

LAST_SYNC_INPUTS = "0123abcd:spec"


class FixedGates:
    """The gates of one case, recording which ones the policy looked at."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.looked: list[str] = []

    def window(self, manual: bool) -> WindowWait | None:
        self.looked.append("window")
        found = self.raw.get("window")
        return WindowWait(found["message"], float(found["recheck_after"])) if found else None

    def ordering(self) -> Gate:
        self.looked.append("ordering")
        found = self.raw.get("ordering") or {}
        return Gate(found.get("waiting_for", ""), bool(found.get("blocked")))

    def step(self) -> StepStatus:
        self.looked.append("step")
        found = self.raw.get("step") or {"step": 1, "message": "", "may_sync": True}
        return StepStatus(found["step"], "Waiting", found["message"], found["may_sync"])


def _policy(raw: Any) -> AutomatedSync | None:
    if raw is None:
        return None
    return AutomatedSync(prune=bool(raw.get("prune")), self_heal=bool(raw.get("selfHeal")))


def _facts(raw: dict[str, Any]) -> StartFacts:
    ask = raw.get("ask")
    rolling = raw.get("rolling")
    return StartFacts(
        sync_status=raw.get("sync", "OutOfSync"),
        inputs=LAST_SYNC_INPUTS if raw.get("inputs") == "synced" else "4567cdef:spec",
        synced_inputs=LAST_SYNC_INPUTS,
        running=bool(raw.get("running")),
        policy=_policy(raw.get("policy", {})),
        suspended=bool(raw.get("suspended")),
        ask=SyncAsk(**ask) if ask is not None else None,
        compared_pin=raw.get("compared_pin", ""),
        rolling=RollingFacts(**rolling) if rolling is not None else None,
        heal_attempts=raw.get("heal_attempts", 0),
        last_finished=float(raw.get("last_finished", 0)),
        now=float(raw.get("now", 1000)),
        heal_base=float(raw.get("heal_base", 2.0)),
    )


def _start_fields(start: Start) -> dict[str, Any]:
    policy = start.policy
    return {
        "reason": start.reason,
        "automated": start.automated,
        "manual": start.manual,
        "resume": start.resume,
        "heal_attempt": start.heal_attempt,
        "prune": start.prune,
        "dry_run": start.dry_run,
        "claimed_step": start.claimed_step,
        "policy": None if policy is None else {"prune": policy.prune, "selfHeal": policy.self_heal},
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_start_policy(case: dict[str, Any]) -> None:
    gates = FixedGates(case.get("gates") or {})
    decision = decide(_facts(case["facts"]), gates)
    expect = case["expect"]
    outcome = decision.outcome
    if "start" in expect:
        assert isinstance(outcome, Start), outcome
        found = _start_fields(outcome)
        assert {k: found[k] for k in expect["start"]} == expect["start"]
        assert decision.start is outcome
    else:
        assert isinstance(outcome, Hold), outcome
        wanted = dict(expect["hold"])
        assert wanted.pop("why") in outcome.why
        found = {
            "shown": outcome.shown,
            "recheck_after": outcome.recheck_after,
            "give_back": outcome.give_back,
            "wake_on_change": outcome.wake_on_change,
            "detail": dict(outcome.detail),
        }
        assert {k: found[k] for k in wanted} == wanted
        assert decision.start is None
    assert gates.looked == expect.get("looked", [])
    assert decision.clear_waiting == expect.get("clear_waiting", True)
    assert decision.reset_heal == expect.get("reset_heal", False)
