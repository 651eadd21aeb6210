"""Argo Rollouts from the command line: what `kubectl argo rollouts get|promote|abort|retry`
does, over `gitsync.kube.Cluster` (the patches are in `patches`, pure)."""

from gitsync.rollouts.actions import abort, find_rollout, promote, retry
from gitsync.rollouts.command import RolloutCommand, parse_rollout_command
from gitsync.rollouts.patches import ABORT, RETRY, Patches, promote_patches
from gitsync.rollouts.view import RolloutView, view_of

__all__ = [
    "ABORT",
    "RETRY",
    "Patches",
    "RolloutCommand",
    "RolloutView",
    "abort",
    "find_rollout",
    "parse_rollout_command",
    "promote",
    "promote_patches",
    "retry",
    "view_of",
]
