"""What `gitsync rollout get` shows: a Rollout and its ReplicaSets, summarised (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitsync.health import assess
from gitsync.health.rollout_pause import BLUE_GREEN, CANARY, describe_pause, strategy_of

HASH_LABEL = "rollouts-pod-template-hash"


@dataclass(frozen=True)
class ReplicaSetRow:
    """One ReplicaSet of a Rollout as `gitsync rollout get` shows it."""

    name: str
    pod_hash: str
    roles: tuple[str, ...]
    desired: int
    available: int
    images: tuple[str, ...]


@dataclass(frozen=True)
class RolloutView:
    """A Rollout summarised for people: strategy, phase, health, pauses, ReplicaSets."""

    name: str
    namespace: str
    strategy: str
    phase: str
    health: str
    message: str
    pause_reasons: tuple[str, ...]
    step: tuple[int, int] | None
    images: tuple[str, ...]
    replica_sets: tuple[ReplicaSetRow, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [
            f"Name:          {self.name}",
            f"Namespace:     {self.namespace}",
            f"Strategy:      {_STRATEGY_NAMES.get(self.strategy, self.strategy or '-')}",
            f"Phase:         {self.phase or '-'}",
            f"Health:        {self.health}",
            f"Message:       {self.message or '-'}",
        ]
        if self.pause_reasons:
            out.append(f"Paused:        {', '.join(self.pause_reasons)}")
        if self.step is not None:
            out.append(f"Step:          {self.step[0]}/{self.step[1]}")
        out.append(f"Images:        {', '.join(self.images) or '-'}")
        out.append("ReplicaSets:")
        if not self.replica_sets:
            out.append("  (none)")
        for rs in self.replica_sets:
            roles = ",".join(rs.roles) or "-"
            out.append(
                f"  {rs.name}  hash={rs.pod_hash}  role={roles}  ready={rs.available}/{rs.desired}"
            )
        return out


_STRATEGY_NAMES = {BLUE_GREEN: "BlueGreen", CANARY: "Canary"}


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _images(template: Any) -> tuple[str, ...]:
    containers = _get(template, "spec", "containers") or []
    return tuple(
        str(c.get("image")) for c in containers if isinstance(c, Mapping) and c.get("image")
    )


def _roles(rollout: Mapping[str, Any], pod_hash: str, strategy: str) -> tuple[str, ...]:
    status = rollout.get("status") or {}
    roles: list[str] = []
    if pod_hash and pod_hash == status.get("stableRS"):
        roles.append("stable")
    if strategy == BLUE_GREEN:
        if pod_hash == _get(status, "blueGreen", "activeSelector"):
            roles.append("active")
        if pod_hash == _get(status, "blueGreen", "previewSelector") and "active" not in roles:
            roles.append("preview")
    elif strategy == CANARY and pod_hash == status.get("currentPodHash") and not roles:
        roles.append("canary")
    return tuple(roles)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def view_of(rollout: Mapping[str, Any], replica_sets: Sequence[Mapping[str, Any]]) -> RolloutView:
    meta = rollout.get("metadata") or {}
    status = rollout.get("status") or {}
    strategy = strategy_of(rollout)
    health = assess(rollout)
    pause = describe_pause(rollout)
    step = None
    if strategy == CANARY:
        steps = _get(rollout, "spec", "strategy", CANARY, "steps") or []
        step = (_int(status.get("currentStepIndex")), len(steps))
    rows = []
    for rs in replica_sets:
        labels = _get(rs, "metadata", "labels") or {}
        pod_hash = str(labels.get(HASH_LABEL, ""))
        rows.append(
            ReplicaSetRow(
                name=str(_get(rs, "metadata", "name")),
                pod_hash=pod_hash,
                roles=_roles(rollout, pod_hash, strategy),
                desired=_int(_get(rs, "spec", "replicas")),
                available=_int(_get(rs, "status", "availableReplicas")),
                images=_images(_get(rs, "spec", "template")),
            )
        )
    rows.sort(key=lambda r: (not r.roles, r.name))
    return RolloutView(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        strategy=strategy,
        phase=str(status.get("phase") or ""),
        health=str(health.status) if health is not None else "Unknown",
        message=(health.message if health is not None else "") or str(status.get("message") or ""),
        pause_reasons=pause.reasons if pause is not None else (),
        step=step,
        images=_images(_get(rollout, "spec", "template")),
        replica_sets=tuple(rows),
    )
