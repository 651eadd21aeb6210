"""Built-in health checks for popular operators' custom resources, one module per project.

Each module exports `CHECKS`, keyed by (API group, kind). Projects whose API groups are
open-ended (Crossplane providers) also export a `match(group, kind)` that gives the
check for any group of theirs; `MATCHERS` lists those, tried after an exact lookup.
"""

from __future__ import annotations

from collections.abc import Callable

from gitsync.health.operators import (
    argoworkflows,
    certmanager,
    cloudnativepg,
    clusterapi,
    crossplane,
    externalsecrets,
    flux,
    keda,
    knative,
    prometheus,
    sealedsecrets,
    strimzi,
)
from gitsync.health.types import Check

Matcher = Callable[[str, str], Check | None]

_MODULES = (
    argoworkflows,
    certmanager,
    cloudnativepg,
    clusterapi,
    crossplane,
    externalsecrets,
    flux,
    keda,
    knative,
    prometheus,
    sealedsecrets,
    strimzi,
)


def _merged() -> dict[tuple[str, str], Check]:
    merged: dict[tuple[str, str], Check] = {}
    for module in _MODULES:
        clashes = merged.keys() & module.CHECKS.keys()
        if clashes:  # a programming error: two projects cannot own one kind
            raise RuntimeError(f"{module.__name__} redefines {sorted(clashes)}")
        merged.update(module.CHECKS)
    return merged


CHECKS: dict[tuple[str, str], Check] = _merged()
MATCHERS: tuple[Matcher, ...] = (crossplane.match,)

__all__ = ["CHECKS", "MATCHERS", "Matcher"]
