"""cert-manager (cert-manager.io): Certificate, CertificateRequest, Issuer, ClusterIssuer.

A Certificate reports `Ready` and, while a new certificate is being obtained, `Issuing`.
A failed issuance leaves `Issuing=False` with reason `Failed` (cert-manager retries with
back-off). `Ready=False` because the Secret does not exist yet is the normal state of a
new Certificate before issuance starts, so it is Progressing, not Degraded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import condition, text
from gitsync.health.operators.conditions_util import (
    FALSE,
    TRUE,
    condition_behind,
    describe,
    is_true,
    ready_health,
)
from gitsync.health.types import Check, Health, degraded, healthy, progressing

GROUP = "cert-manager.io"

# Ready=False reasons of a Certificate whose first issuance has simply not happened yet.
_NOT_YET_ISSUED = frozenset({"DoesNotExist", "MissingData"})


def certificate(obj: Mapping[str, Any]) -> Health:
    issuing = condition(obj, "Issuing")
    if (
        issuing is not None
        and issuing.get("status") == FALSE
        and text(issuing, "reason") == "Failed"
    ):
        return degraded(f"Issuance failed: {describe(issuing)}")
    if issuing is not None and issuing.get("status") == TRUE:
        return progressing(f"Issuing: {describe(issuing)}")
    ready = condition(obj, "Ready")
    if ready is None:
        return progressing("Waiting for the certificate to be issued")
    if condition_behind(obj, ready):
        return progressing("Waiting for cert-manager to check the new spec")
    if ready.get("status") == TRUE:
        return healthy(describe(ready))
    if ready.get("status") == FALSE and text(ready, "reason") not in _NOT_YET_ISSUED:
        return degraded(describe(ready))
    return progressing(describe(ready) or "Waiting for the certificate to be issued")


def certificate_request(obj: Mapping[str, Any]) -> Health:
    if is_true(obj, "Denied"):
        return degraded(f"Denied: {describe(condition(obj, 'Denied'))}")
    if is_true(obj, "InvalidRequest"):
        return degraded(f"Invalid request: {describe(condition(obj, 'InvalidRequest'))}")
    ready = condition(obj, "Ready")
    if ready is None:
        if condition(obj, "Approved") is None:
            return progressing("Waiting for approval")
        return progressing("Waiting for the issuer to sign")
    reason = text(ready, "reason")
    if ready.get("status") == TRUE:
        return healthy(describe(ready))
    if ready.get("status") == FALSE and reason == "Failed":
        return degraded(describe(ready))
    return progressing(describe(ready) or "Waiting for the issuer to sign")


def issuer(obj: Mapping[str, Any]) -> Health:
    return ready_health(obj, waiting="Waiting for the issuer to be initialised")


CHECKS: dict[tuple[str, str], Check] = {
    (GROUP, "Certificate"): certificate,
    (GROUP, "CertificateRequest"): certificate_request,
    (GROUP, "Issuer"): issuer,
    (GROUP, "ClusterIssuer"): issuer,
}
