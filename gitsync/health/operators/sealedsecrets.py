"""Sealed Secrets (bitnami.com): the controller reports unsealing in a `Synced` condition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.operators.conditions_util import ready_health, status_behind
from gitsync.health.types import Check, Health, progressing


def sealed_secret(obj: Mapping[str, Any]) -> Health:
    if status_behind(obj):
        return progressing("Waiting for the controller to unseal the new spec")
    return ready_health(obj, ctype="Synced", waiting="Waiting for the controller to unseal")


CHECKS: dict[tuple[str, str], Check] = {
    ("bitnami.com", "SealedSecret"): sealed_secret,
}
