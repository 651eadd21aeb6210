"""Refusing sync options and hook annotation values gitsync does not know, so a typo in
Git (``CreateNamespace=ture``, ``hook: Presync``) is an error, never quietly ignored.

Only what comes from Git or the command line is checked; live objects keep whatever
annotations they have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gitsync.model.annotations import (
    COMPARE_OPTIONS,
    HELM_HOOK,
    HELM_HOOK_DELETE_POLICY,
    HOOK,
    HOOK_DELETE_POLICY,
    SYNC_OPTIONS,
    csv,
)
from gitsync.model.enums import HookDeletePolicy

_BOOL = frozenset({"true", "false"})
# Argo CD's sync options and the values each takes (compared case-insensitively).
SYNC_OPTION_VALUES: Mapping[str, frozenset[str]] = {
    "Validate": _BOOL,
    "Prune": frozenset({"true", "false", "confirm"}),
    "Delete": frozenset({"true", "false", "confirm"}),
    "CreateNamespace": _BOOL,
    "PrunePropagationPolicy": frozenset({"foreground", "background", "orphan"}),
    "PruneLast": _BOOL,
    "ApplyOutOfSyncOnly": _BOOL,
    "Replace": _BOOL,
    "ServerSideApply": _BOOL,
    "Force": _BOOL,
    "FailOnSharedResource": _BOOL,
    "RespectIgnoreDifferences": _BOOL,
    "SkipDryRunOnMissingResource": _BOOL,
    "RolloutSyncGate": frozenset({"pause"}),  # gitsync's own (docs/rollouts.md)
}
COMPARE_OPTION_VALUES: Mapping[str, frozenset[str]] = {
    "IgnoreExtraneous": frozenset({"true"}),
    "ServerSideDiff": _BOOL,
    "IncludeMutationWebhook": _BOOL,
}
ARGO_HOOKS = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "PostDelete", "Skip"})
HELM_HOOKS = frozenset(
    {
        "pre-install",
        "post-install",
        "pre-delete",
        "post-delete",
        "pre-upgrade",
        "post-upgrade",
        "pre-rollback",
        "post-rollback",
        "test",
        "test-success",
        "test-failure",
        "crd-install",
    }
)
HELM_DELETE_POLICIES = frozenset({"before-hook-creation", "hook-succeeded", "hook-failed"})


class UnknownOption(ValueError):
    """A sync option, compare option or hook value gitsync does not know."""


def check_options(
    items: Iterable[str], known: Mapping[str, frozenset[str]] = SYNC_OPTION_VALUES, what: str = ""
) -> None:
    """Raise `UnknownOption` for the first ``Key=Value`` whose key or value is unknown."""
    for item in items:
        key, sep, value = (part.strip() for part in item.partition("="))
        values = known.get(key)
        if values is None:
            raise UnknownOption(
                f"unknown {what or 'sync option'} {key!r} (known: {', '.join(sorted(known))})"
            )
        if (value.lower() if sep else "true") not in values:
            raise UnknownOption(
                f"invalid value {value!r} for {what or 'sync option'} {key}"
                f" (one of: {', '.join(sorted(values))})"
            )


def check_annotations(annotations: Mapping[str, str]) -> None:
    """Raise `UnknownOption` for an unknown value of a hook, hook-delete-policy,
    sync-options or compare-options annotation."""
    _check_values(annotations, HOOK, ARGO_HOOKS)
    _check_values(annotations, HOOK_DELETE_POLICY, frozenset(p.value for p in HookDeletePolicy))
    _check_values(annotations, HELM_HOOK, HELM_HOOKS)
    _check_values(annotations, HELM_HOOK_DELETE_POLICY, HELM_DELETE_POLICIES)
    check_options(csv(annotations.get(SYNC_OPTIONS)), SYNC_OPTION_VALUES, SYNC_OPTIONS)
    check_options(csv(annotations.get(COMPARE_OPTIONS)), COMPARE_OPTION_VALUES, COMPARE_OPTIONS)


def _check_values(annotations: Mapping[str, str], name: str, known: frozenset[str]) -> None:
    for value in csv(annotations.get(name)):
        if value not in known:
            raise UnknownOption(
                f"unknown {name} value {value!r} (known: {', '.join(sorted(known))})"
            )
