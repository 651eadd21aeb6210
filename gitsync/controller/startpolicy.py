"""Whether an app starts a sync after this reconcile compared it, and why not (pure).

The decision reads plain values: the comparison's sync status and inputs, the app's
automated policy (as a RollingSync step or `app set --suspend` changes it), a manual
request, a persisted operation to resume, the self-heal backoff, and three gates that
other modules compute: the project's sync windows, waves and `depends-on` between apps,
and the places of a RollingSync step. The gates are looked at only when the decision
depends on them, in that order, because each one costs a look over every app (and the
step look claims a place). The caller carries out what the decision says: start the
sync, show why it waits, look again later, give a manual request back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitsync.controller.ordering import Gate
from gitsync.controller.progressive import StepStatus
from gitsync.controller.projects import WindowWait
from gitsync.controller.requests import SyncAsk
from gitsync.controller.settings import self_heal_delay
from gitsync.model import AutomatedSync


@dataclass(frozen=True)
class RollingFacts:
    """The app belongs to a RollingSync ApplicationSet: the steps start its syncs."""

    in_step: bool  # a step selects the app (else it syncs only by hand)
    default_prune: bool  # the prune of an app without its own automated policy


@dataclass(frozen=True)
class StartFacts:
    """What this reconcile knows about the app, as plain values."""

    sync_status: str  # this comparison's: Synced, OutOfSync, Unknown
    inputs: str  # "<sha>:<spec digest>" this comparison saw
    synced_inputs: str  # the inputs of the last automated sync
    running: bool  # the persisted operation is still Running: resume it
    policy: AutomatedSync | None  # the app's own `syncPolicy.automated`
    suspended: bool = False  # `app set --suspend`
    ask: SyncAsk | None = None  # the manual request this reconcile took
    compared_pin: str = ""  # the pinned SHA this comparison used ("" for none)
    rolling: RollingFacts | None = None
    heal_attempts: int = 0  # self-heal syncs since the inputs last changed
    last_finished: float = 0.0  # when the last sync finished (unix seconds)
    now: float = 0.0
    heal_base: float = 2.0  # the first self-heal backoff, in seconds


class GateLooks(Protocol):
    """The gates, looked at lazily in the order the policy asks."""

    def window(self, manual: bool) -> WindowWait | None:
        """The project's sync windows: None when they let this sync run now."""
        ...

    def ordering(self) -> Gate:
        """Waves and `depends-on`: whether the apps this one waits for are ready."""
        ...

    def step(self) -> StepStatus:
        """The app's RollingSync step; claims a place when it may sync."""
        ...


@dataclass(frozen=True)
class Start:
    """Start (or resume) a sync."""

    reason: str
    policy: AutomatedSync | None  # the automated policy the sync runs under
    automated: bool  # an automated sync (not one asked for, counted per input)
    manual: bool
    resume: bool
    heal_attempt: int | None = None  # set for a self-heal sync
    prune: bool = False  # asked with the manual request
    dry_run: bool = False
    claimed_step: bool = False  # a RollingSync place was claimed: release it after


@dataclass(frozen=True)
class Hold:
    """No sync now. `shown` holds are the app's `waiting_for`; the others are quiet."""

    why: str
    shown: bool = False
    recheck_after: float | None = None  # look again after this many seconds (0: now)
    give_back: bool = False  # the manual request stays for the next look
    wake_on_change: bool = False  # look again when another app's status changes
    detail: Mapping[str, Any] = field(default_factory=dict)  # for the log


@dataclass(frozen=True)
class Decision:
    """The outcome, plus what to reset whichever it is."""

    outcome: Start | Hold
    clear_waiting: bool = True  # the app no longer waits for what it waited for
    reset_heal: bool = False  # new inputs: the self-heal backoff starts over

    @property
    def start(self) -> Start | None:
        return self.outcome if isinstance(self.outcome, Start) else None


def rolling_policy(own: AutomatedSync | None, default_prune: bool) -> AutomatedSync:
    """The automated policy a RollingSync step syncs an app with: Argo CD turns the app's
    own automated sync off and starts its syncs itself, keeping the app's choices."""
    return own if own is not None else AutomatedSync(prune=default_prune)


def decide(facts: StartFacts, gates: GateLooks) -> Decision:
    ask = facts.ask
    manual = ask is not None
    if ask is not None and ask.pin and ask.pin != facts.compared_pin:
        # Asked for another revision while this comparison ran: compare again first, so
        # the sync starts from the revision asked for.
        why = "another revision was asked during the comparison"
        return Decision(Hold(why, recheck_after=0.0, give_back=True), clear_waiting=False)
    policy = facts.policy
    rolling = facts.rolling
    in_step = rolling is not None and rolling.in_step
    if rolling is not None:
        policy = rolling_policy(policy, rolling.default_prune) if in_step else None
    if facts.suspended:
        policy = None
    resume = facts.running
    clear = not resume
    heal_attempt: int | None = None
    reset_heal = False
    if not (manual or resume):
        quiet = _automated_hold(facts, policy)
        if quiet is not None:
            return Decision(quiet, clear)
        if facts.inputs == facts.synced_inputs:
            attempts = facts.heal_attempts
            wait = facts.last_finished + self_heal_delay(attempts, facts.heal_base) - facts.now
            if wait > 0:
                return Decision(Hold("self-heal backs off", recheck_after=wait), clear)
            heal_attempt = attempts + 1
        else:
            reset_heal = True
    if not resume:
        held = _gate_hold(gates, manual)
        if held is not None:
            return Decision(held, clear, reset_heal)
    claimed = False
    if in_step and not (manual or resume):
        step = gates.step()
        if not step.may_sync:
            detail = {"step": step.step}
            hold = Hold(step.message, shown=True, wake_on_change=True, detail=detail)
            return Decision(hold, clear, reset_heal)
        claimed = True
    start = Start(
        reason=_reason(manual, resume, heal_attempt),
        policy=policy,
        automated=policy is not None and not manual,
        manual=manual,
        resume=resume,
        heal_attempt=heal_attempt,
        prune=bool(ask and ask.prune),
        dry_run=bool(ask and ask.dry_run),
        claimed_step=claimed,
    )
    return Decision(start, clear, reset_heal)


def _automated_hold(facts: StartFacts, policy: AutomatedSync | None) -> Hold | None:
    """Why an automated sync does not start by itself, or None when it may."""
    if policy is None:
        if facts.suspended:
            return Hold("automated sync is suspended")
        if facts.rolling is not None and not facts.rolling.in_step:
            return Hold("selected by no RollingSync step")
        return Hold("no automated sync policy")
    if facts.sync_status != "OutOfSync":
        return Hold(f"nothing to sync: {facts.sync_status}")
    if facts.inputs == facts.synced_inputs and not policy.self_heal:
        return Hold("already synced at these inputs, and self-heal is off")
    return None


def _gate_hold(gates: GateLooks, manual: bool) -> Hold | None:
    """A sync window or the ordering between apps holding this sync; a manual request
    held here runs once the gate opens."""
    window = gates.window(manual)
    if window is not None:
        return Hold(
            window.message, shown=True, recheck_after=window.recheck_after, give_back=manual
        )
    gate = gates.ordering()
    if not gate.open:
        return Hold(
            gate.waiting_for,
            shown=True,
            give_back=manual,
            wake_on_change=True,
            detail={"blocked": gate.blocked},
        )
    return None


def _reason(manual: bool, resume: bool, heal_attempt: int | None) -> str:
    if resume:
        return "resume"
    if manual:
        return "requested"
    if heal_attempt is not None:
        return f"self-heal attempt {heal_attempt}"
    return "automated"
