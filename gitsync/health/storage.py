"""PersistentVolumeClaims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitsync.health.fields import mapping, text
from gitsync.health.types import Health, degraded, healthy, progressing, unknown

# Set by the PV controller when it hands the claim to a provisioner.
_PROVISIONER_ANNOTATIONS = (
    "volume.kubernetes.io/storage-provisioner",
    "volume.beta.kubernetes.io/storage-provisioner",
)


def persistentvolumeclaim(obj: Mapping[str, Any]) -> Health:
    phase = text(obj, "status", "phase")
    if phase == "Bound":
        return healthy()
    if phase == "Lost":
        return degraded("The claim lost its volume")
    if phase == "Pending":
        annotations = mapping(obj, "metadata", "annotations")
        if any(key in annotations for key in _PROVISIONER_ANNOTATIONS):
            return progressing("Provisioning volume")
        # A claim of a WaitForFirstConsumer storage class stays Pending until a pod uses it;
        # calling that Progressing would block a sync wave that puts the claim before its
        # pod forever (current Argo CD reports it Healthy for the same reason).
        return healthy("Waiting for first consumer")
    return unknown(f"Unknown phase {phase!r}" if phase else "No status yet")
