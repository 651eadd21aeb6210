"""promote / abort / retry a Rollout on a cluster, with the patches of `patches`."""

from __future__ import annotations

from typing import Any

from gitsync.errors import NotFoundError, UnknownKindError
from gitsync.kube.cluster import Cluster
from gitsync.rollouts.patches import ABORT, RETRY, Patches, promote_patches

API_VERSION = "argoproj.io/v1alpha1"
KIND = "Rollout"


def find_rollout(cluster: Cluster, name: str, namespace: str | None) -> dict[str, Any]:
    """The live Rollout; `NotFoundError` (one line) when there is none."""
    ns = namespace or cluster.default_namespace
    try:
        found = cluster.get(API_VERSION, KIND, ns, name)
    except (NotFoundError, UnknownKindError) as err:  # the kind itself is not served
        raise NotFoundError(f"rollout {name!r} not found in namespace {ns!r}") from err
    if found is None:
        raise NotFoundError(f"rollout {name!r} not found in namespace {ns!r}")
    return found


def _send(cluster: Cluster, rollout: dict[str, Any], patches: Patches) -> dict[str, Any]:
    meta = rollout["metadata"]
    name, ns = str(meta["name"]), meta.get("namespace")
    result = rollout
    spec_patch = patches.spec
    if patches.status is not None:
        try:
            result = cluster.patch(
                API_VERSION, KIND, ns, name, patches.status, subresource="status"
            )
        except NotFoundError:
            # Rollouts before v0.10 have no status subresource: one patch does both.
            spec_patch = {**(spec_patch or {}), **patches.status}
    if spec_patch is not None:
        result = cluster.patch(API_VERSION, KIND, ns, name, spec_patch)
    return result


def promote(
    cluster: Cluster, name: str, namespace: str | None = None, full: bool = False
) -> dict[str, Any]:
    rollout = find_rollout(cluster, name, namespace)
    return _send(cluster, rollout, promote_patches(rollout, full))


def abort(cluster: Cluster, name: str, namespace: str | None = None) -> dict[str, Any]:
    return _send(cluster, find_rollout(cluster, name, namespace), ABORT)


def retry(cluster: Cluster, name: str, namespace: str | None = None) -> dict[str, Any]:
    return _send(cluster, find_rollout(cluster, name, namespace), RETRY)
