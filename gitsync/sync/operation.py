"""The re-entrant sync operation: one `step` advances as far as it can without waiting.

The caller (the CLI's runner, the controller) calls `step` again until the state is
terminal, persisting the state in between, so a killed process resumes where it stopped.
The flow follows gitops-engine's sync context: dry-run pre-flight once (`preflight`),
then per step: look at running tasks again, wait while any runs, fail (and run SyncFail
hooks) if one failed (`endings`), else run the next (phase, wave) (`waves`).

Live objects are read in batches (`reads`). Every write is dry-run before the first real
one, except for objects already as desired, whose real write is skipped as well.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

from gitsync.errors import GitsyncError
from gitsync.model.enums import OperationPhase
from gitsync.sync.context import PreflightSource, StepContext, describe
from gitsync.sync.endings import fail, finish_dry_run, succeed
from gitsync.sync.plan import Plan
from gitsync.sync.port import ClusterPort
from gitsync.sync.preflight import (
    record_preflight,
    refuse_empty_prune,
    run_preflight,
    schedule_retry,
)
from gitsync.sync.settings import SyncSettings
from gitsync.sync.state import OperationState, TaskStatus
from gitsync.sync.task import Task
from gitsync.sync.waves import WaveOutcome, refresh, release_finalizers, run_wave


def new_operation(plan: Plan, settings: SyncSettings) -> OperationState:
    """A fresh operation for `plan` (its settings carry app, revision and start time)."""
    return OperationState(
        app=plan.settings.app,
        revision=plan.settings.revision,
        fingerprint=plan.fingerprint,
        started_at=plan.settings.started_at,
        dry_run=settings.dry_run,
        prune=settings.prune,
        selected=[
            {"group": k.group, "kind": k.kind, "namespace": k.namespace, "name": k.name}
            for k in plan.selected
        ],
    )


def step(
    plan: Plan,
    state: OperationState,
    port: ClusterPort,
    settings: SyncSettings,
    *,
    now: float | None = None,
    executor: Executor | None = None,
    preflight: PreflightSource | None = None,
) -> OperationState:
    """Advance `state` (changed in place and returned) as far as possible without waiting.

    `plan` must be built with ``started_at == state.started_at`` so generated hook names
    match. Cluster errors outside a single task's write end the operation in Error.
    `preflight` gives the schema pre-flight (None, or giving None: dry-run every write).
    """
    if state.terminal:
        return state
    clock = time.time() if now is None else now
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(settings.workers, 1))
    try:
        _advance(StepContext(plan, state, port, settings, clock, pool, preflight))
    except GitsyncError as err:
        state.finish(OperationPhase.ERROR, str(err), clock)
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    return state


def _advance(ctx: StepContext) -> None:
    state = ctx.state
    if state.next_attempt_at > ctx.now:
        if not state.preflight_attempts:  # a pre-flight retry keeps its own message
            wait = state.next_attempt_at - ctx.now
            state.message = f"retrying in {wait:.0f}s (attempt {state.retry_count})"
        return
    if not state.preflight_done:
        if refuse_empty_prune(ctx):
            return
        failures = run_preflight(ctx)
        if schedule_retry(state, ctx.settings, ctx.now, failures):
            return
        ok = record_preflight(ctx, failures)
        state.preflight_done = True
        if ctx.settings.dry_run:
            finish_dry_run(ctx, ok)
            return
        if not ok:
            fail(ctx, "one or more objects failed to apply (dry run)")
            return
    refresh(ctx)
    multi = _multi_step(ctx)
    running = [
        t for t in ctx.tasks if ctx.status(t) is TaskStatus.RUNNING and (multi or t.hook or t.prune)
    ]
    if running:
        state.message = _waiting_for(running)
        return
    release_finalizers(ctx)
    if state.failing or any(
        (s := ctx.status(t)) is not None and not s.successful for t in ctx.main
    ):
        fail(ctx, state.failing or "one or more synchronization tasks completed unsuccessfully")
        return
    pending = [t for t in ctx.main if ctx.result(t) is None]
    if not pending:
        succeed(ctx)
        return
    phase, wave = pending[0].phase, pending[0].wave
    if ctx.now < state.next_wave_at:
        state.message = f"pausing before {phase} wave {wave}"
        return
    current = [t for t in pending if (t.phase, t.wave) == (phase, wave)]
    remaining = [t for t in pending if (t.phase, t.wave) != (phase, wave) or t.hook]
    state.message = f"{phase} wave {wave}: applying {len(current)} task(s)"
    outcome = run_wave(ctx, current)
    if outcome is WaveOutcome.FAILED:
        fail(ctx, "one or more objects failed to apply")
    elif outcome is WaveOutcome.DONE:
        if remaining:
            state.next_wave_at = ctx.now + ctx.settings.wave_delay
            state.message = f"{phase} wave {wave} applied"
        elif multi:
            # In a multi-step sync the last wave gates on health too: the next step
            # finds its tasks running and succeeds once they are healthy.
            state.message = f"{phase} wave {wave} applied"
        else:
            succeed(ctx)


def _multi_step(ctx: StepContext) -> bool:
    return len({(t.phase, t.wave) for t in ctx.main}) > 1


def _waiting_for(running: Sequence[Task]) -> str:
    first = running[0]
    if first.prune:
        what = "deletion of"
    elif first.hook:
        what = "completion of hook"
    else:
        what = "healthy state of"
    return f"waiting for {what} {describe(running)}"
