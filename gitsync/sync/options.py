"""The sync options of one task, resolved once by the plan into a typed value.

Argo CD's ``argocd.argoproj.io/sync-options`` annotation of the object merged over the
app's ``spec.syncPolicy.syncOptions`` (the object's own option wins). Keys are exact,
values compared without case, as Argo CD does. Option strings from Git are checked by
`gitsync.model.optioncheck` before they get here; a value this module does not know
falls back to the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gitsync.model.annotations import SyncOptions


class PruneMode(StrEnum):
    """``Prune=``: delete an extraneous object, leave it, or wait for its approval."""

    ENABLED = "true"
    DISABLED = "false"
    CONFIRM = "confirm"


class Propagation(StrEnum):
    """``PrunePropagationPolicy=``: how the API server deletes a pruned object's dependents."""

    FOREGROUND = "Foreground"
    BACKGROUND = "Background"
    ORPHAN = "Orphan"


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """Every sync option the engine acts on, with Argo CD's defaults.

    `server_side_apply` False keeps the apply from forcing conflicts with other field
    managers (gitsync always applies server-side). `apply_out_of_sync_only` is accepted
    for Argo CD manifests; gitsync skips the write of an object already as desired in
    every sync anyway. `rollout_sync_gate` is gitsync's own ``RolloutSyncGate=pause``
    (docs/rollouts.md).
    """

    validate: bool = True
    prune: PruneMode = PruneMode.ENABLED
    prune_propagation: Propagation = Propagation.FOREGROUND
    prune_last: bool = False
    replace: bool = False
    server_side_apply: bool = True
    force: bool = False
    create_namespace: bool = False
    fail_on_shared_resource: bool = False
    respect_ignore_differences: bool = False
    skip_dry_run_on_missing_resource: bool = False
    apply_out_of_sync_only: bool = False
    rollout_sync_gate: bool = False

    @classmethod
    def of(cls, options: SyncOptions) -> TaskOptions:
        def on(key: str, value: str = "true") -> bool:
            return options.is_set(key, value)

        return cls(
            validate=not on("Validate", "false"),
            prune=_prune_mode(options.get("Prune")),
            prune_propagation=_propagation(options.get("PrunePropagationPolicy")),
            prune_last=on("PruneLast"),
            replace=on("Replace"),
            server_side_apply=not on("ServerSideApply", "false"),
            force=on("Force"),
            create_namespace=on("CreateNamespace"),
            fail_on_shared_resource=on("FailOnSharedResource"),
            respect_ignore_differences=on("RespectIgnoreDifferences"),
            skip_dry_run_on_missing_resource=on("SkipDryRunOnMissingResource"),
            apply_out_of_sync_only=on("ApplyOutOfSyncOnly"),
            rollout_sync_gate=on("RolloutSyncGate", "pause"),
        )


def _prune_mode(value: str | None) -> PruneMode:
    wanted = (value or "").strip().lower()
    return next((m for m in PruneMode if m.value == wanted), PruneMode.ENABLED)


def _propagation(value: str | None) -> Propagation:
    wanted = (value or "").strip().lower()
    return next((p for p in Propagation if p.value.lower() == wanted), Propagation.FOREGROUND)
